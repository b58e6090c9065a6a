"""Secrets kept out of the logs: a feed pull token given in the query string (`?token=…`) is written as
`token=[redacted]` in the web server's access log (gunicorn) and the development server's (django.server)."""

from __future__ import annotations

import logging
import re

from gunicorn.glogging import Logger as GunicornBaseLogger

_SECRET = re.compile(r"(?i)((?:^|[?&;\s])token=)[^&;\s\"']*")


def redact(text: str) -> str:
    return _SECRET.sub(r"\1[redacted]", text)


def _redacted(value):
    return redact(value) if isinstance(value, str) else value


class RedactTokens(logging.Filter):
    """A logging filter: the record's message and arguments with every `token=` value blanked."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = _redacted(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(_redacted(arg) for arg in record.args)
        elif isinstance(record.args, dict):
            record.args = {key: _redacted(value) for key, value in record.args.items()}
        return True


class GunicornLogger(GunicornBaseLogger):
    """gunicorn's logger, its access-log fields (request line, query, referer…) with tokens blanked."""

    def atoms(self, resp, req, environ, request_time):
        return {
            key: _redacted(value) for key, value in super().atoms(resp, req, environ, request_time).items()
        }
