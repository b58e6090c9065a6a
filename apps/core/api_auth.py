"""Who calls the API: a bearer token (integrations) or the admin's session (the browser), and what
they may do. Every endpoint states the scope it needs; tokens carry scopes, people their permissions."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from ninja.security import HttpBearer, SessionAuth
from ninja.throttling import AuthRateThrottle

from apps.core import policies, tokens
from apps.core.models import ApiToken


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> ApiToken | None:
        api_token = tokens.authenticate(token)
        if api_token is not None and not policies.may_use_api(api_token.user):
            return None
        if api_token is not None:
            request.user = api_token.user
            request.api_token = api_token
        return api_token


class StaffSessionAuth(SessionAuth):
    """The signed-in admin user, with CSRF protection on writes."""

    def authenticate(self, request: HttpRequest, key: str | None):
        user = super().authenticate(request, key)
        return user if user is not None and user.is_active and user.is_staff else None


class TokenRateThrottle(AuthRateThrottle):
    """Requests per token (or per person for sessions); 429 with Retry-After beyond the rate."""

    scope = "token"

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
    codes = set(token.channels.values_list("code", flat=True))
    return codes or None
