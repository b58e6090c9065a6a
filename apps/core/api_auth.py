"""Who calls the API: a bearer token (integrations) or the admin's session (the browser), and what
they may do. Every endpoint states the scope it needs; tokens carry scopes, people their permissions."""

from __future__ import annotations

import threading

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from ninja.security import HttpBearer, SessionAuth
from ninja.throttling import AuthRateThrottle

from apps.core import tokens
from apps.core.models import ApiToken
from apps.core.policies import may_use_api


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> ApiToken | None:
        api_token = tokens.authenticate(token)
        if api_token is not None and not may_use_api(api_token.user):
            return None  # store staff: 401, as for no token
        if api_token is not None:
            request.user = api_token.user
            request.api_token = api_token
        return api_token


class StaffSessionAuth(SessionAuth):
    """The signed-in admin user, with CSRF protection on writes. A request with no signed-in person is not
    a session request: it is left to answer 401, not refused as a forged session write (403)."""

    def _get_key(self, request: HttpRequest) -> str | None:
        if not request.user.is_authenticated:
            return None
        return super()._get_key(request)

    def authenticate(self, request: HttpRequest, key: str | None):
        user = super().authenticate(request, key)
        return user if user is not None and user.is_active and user.is_staff else None


class TokenRateThrottle(AuthRateThrottle):
    """Requests per token (or per person for sessions); 429 with Retry-After beyond the rate.

    Counted exactly, across every web process: one counter per token and window (a minute for "600/m") in
    the shared cache, created by `add` and raised by `incr`, both atomic on Redis. (django-ninja's own
    throttle reads the request history, then writes it back: requests arriving together all passed.) A
    fixed window: a caller may spend a window's allowance at its end and the next one's at once."""

    scope = "token"

    def __init__(self, rate: str | None = None):
        super().__init__(rate)
        self._seconds_left = threading.local()  # per thread: one throttle object serves every request

    def allow_request(self, request: HttpRequest) -> bool:
        key = self.get_cache_key(request)
        if key is None or self.num_requests is None:
            return True
        now = self.timer()
        window = int(now // self.duration)
        ends = (window + 1) * self.duration
        counter = f"{key}:{self.duration}:{window}"
        timeout = int(ends - now) + 1
        self.cache.add(counter, 0, timeout)
        try:
            count = self.cache.incr(counter)
        except ValueError:  # the counter expired between add and incr
            self.cache.add(counter, 0, timeout)
            count = self.cache.incr(counter)
        self._seconds_left.value = ends - now
        return count <= self.num_requests

    def wait(self) -> float | None:
        return getattr(self._seconds_left, "value", None)

    def get_cache_key(self, request: HttpRequest) -> str:
        token = getattr(request, "api_token", None)
        ident = f"t{token.pk}" if token is not None else f"u{request.user.pk}"
        return self.cache_format % {"scope": self.scope, "ident": ident}


def require(request: HttpRequest, scope: str, permission: str | None = None) -> None:
    """Refuse unless the token has `scope` and its person holds `permission`."""
    token = getattr(request, "api_token", None)
    if token is not None and scope not in token.scopes:
        raise PermissionDenied(f"this token lacks the {scope} scope")
    if permission and not request.user.has_perm(permission):
        raise PermissionDenied(
            f"{request.user.get_username()} may not {permission.split('.', 1)[1].replace('_', ' ')}"
        )


def allowed_channels(request: HttpRequest) -> set[str] | None:
    """Channel codes a token is limited to, or None for all."""
    token = getattr(request, "api_token", None)
    if token is None:
        return None
    if not hasattr(token, "_noel_channels"):  # asked once per request, whatever asks
        token._noel_channels = set(token.channels.values_list("code", flat=True))
    return set(token._noel_channels) or None


def shown_channels(request: HttpRequest, requested: str | None = None) -> set[str] | None:
    """The channels whose data an answer may show: those asked for (`channels=a,b`, by default the
    request's own `channels` parameter) within those the token is limited to; None for all. An empty set
    shows no channel's data (only what holds for every channel)."""
    if requested is None:
        requested = request.GET.get("channels")
    asked = {code.strip() for code in requested.split(",") if code.strip()} if requested else None
    allowed = allowed_channels(request)
    if allowed is None:
        return asked
    return allowed if asked is None else asked & allowed


def idempotency_client(request: HttpRequest) -> str:
    """Whose Idempotency-Keys a request sends: its token's, or the signed-in person's."""
    token = getattr(request, "api_token", None)
    return f"token:{token.pk}" if token is not None else f"user:{request.user.pk}"
