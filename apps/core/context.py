"""Who and what is behind the current write, carried across a request or a task without threading it
through every call."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

request_id: ContextVar[str] = ContextVar("noel_request_id", default="")
source: ContextVar[str] = ContextVar("noel_source", default="system")
# who is looking at the page being built, for the parts Django builds without the request (action forms)
viewer: ContextVar[Any] = ContextVar("noel_viewer", default=None)


@contextmanager
def viewing(user: Any) -> Iterator[None]:
    token = viewer.set(user)
    try:
        yield
    finally:
        viewer.reset(token)


@contextmanager
def bound(*, request: str | None = None, origin: str | None = None) -> Iterator[None]:
    """Bind a request id and/or a source (admin, api, import, task) for the duration of a block."""
    tokens = []
    if request is not None:
        tokens.append((request_id, request_id.set(request)))
    if origin is not None:
        tokens.append((source, source.set(origin)))
    try:
        yield
    finally:
        for var, token in reversed(tokens):
            var.reset(token)
