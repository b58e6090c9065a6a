"""The pull endpoint channels fetch their feeds from: token-checked, cache-validated, gzip when asked.

The answer to an unchanged feed is a 304 decided from one indexed row (no file is opened), so a channel
polling every minute costs next to nothing; a changed one streams from storage, pre-compressed.
"""

from __future__ import annotations

import hashlib
import time

from django.conf import settings
from django.core.files.storage import default_storage
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseNotModified
from django.utils.http import http_date, parse_http_date_safe
from django.views.decorators.http import require_safe

from apps.channels import formats, selectors, services


def accepts_gzip(header: str) -> bool:
    """Whether an Accept-Encoding header allows gzip: named (or "*") with a weight above 0 (RFC 9110)."""
    weights = {}
    for item in header.lower().split(","):
        coding, *params = (part.strip() for part in item.split(";"))
        weight = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip() == "q":
                try:
                    weight = float(value)
                except ValueError:
                    weight = 0.0
        if coding:
            weights[coding] = weight
    weight = weights.get("gzip", weights.get("x-gzip", weights.get("*", 0.0)))
    return weight > 0


def _token(request: HttpRequest) -> str:
    header = request.headers.get("Authorization", "")
    scheme, _sep, value = header.partition(" ")
    if scheme.lower() in ("bearer", "token") and value:
        return value.strip()
    return request.GET.get("token", "")


# Channels poll the same URL with the same token many times a second at peak: each web process remembers
# its last answers for NOEL_FEED_PULL_MEMORY seconds, so a 304 then costs no query. A revoked token or a
# new file is seen within that time.
_recent: dict[tuple[str, str, str], tuple[float, bool, selectors.Serving | None]] = {}


def _lookup(channel: str, file: str, raw: str) -> tuple[bool, selectors.Serving | None]:
    key = (channel, file, hashlib.sha256(raw.encode()).hexdigest())
    now = time.monotonic()
    remembered = _recent.get(key)
    if remembered is not None and remembered[0] > now and settings.NOEL_FEED_PULL_MEMORY:
        return remembered[1], remembered[2]
    allowed = bool(raw) and services.pull_token_check(channel, raw)
    serving = selectors.serving(channel, file) if allowed else None
    if len(_recent) > 10_000:
        _recent.clear()
    _recent[key] = (now + settings.NOEL_FEED_PULL_MEMORY, allowed, serving)
    return allowed, serving


@require_safe
def feed_pull(request: HttpRequest, channel: str, file: str) -> HttpResponse:
    allowed, serving = _lookup(channel, file, _token(request))
    if not allowed:
        response = HttpResponse("A valid pull token is required.\n", status=401, content_type="text/plain")
        response["WWW-Authenticate"] = 'Bearer realm="noel feeds"'
        return response
    if serving is None:
        return HttpResponse(
            "No such feed, or it has not been built yet.\n", status=404, content_type="text/plain"
        )
    etag = f'"{serving.checksum}"'
    modified = int(serving.finished_at.timestamp())
    headers = {
        "ETag": etag,
        "Last-Modified": http_date(modified),
        "Vary": "Accept-Encoding",
        "Cache-Control": "no-cache",
    }
    if_none_match = request.headers.get("If-None-Match")
    if if_none_match:
        fresh = if_none_match.strip() == "*" or etag in (tag.strip() for tag in if_none_match.split(","))
    else:
        since = parse_http_date_safe(request.headers.get("If-Modified-Since", ""))
        fresh = since is not None and modified <= since
    if fresh:
        response = HttpResponseNotModified()
        for key, value in headers.items():
            response[key] = value
        return response
    packed = accepts_gzip(request.headers.get("Accept-Encoding", ""))
    name = f"{serving.file}.gz" if packed else serving.file
    response = FileResponse(
        default_storage.open(name, "rb"), content_type=formats.FORMATS[serving.format].content_type
    )
    if packed:
        response["Content-Encoding"] = "gzip"
    for key, value in headers.items():
        response[key] = value
    return response
