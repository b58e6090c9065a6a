"""API tokens: `noel_<prefix>_<secret>`. The prefix finds the row; a constant-time comparison of the
secret's SHA-256 authenticates it. High-entropy secrets need no slow hash."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from django.utils import timezone

from apps.core.models import ApiToken

LAST_USED_RESOLUTION = timedelta(minutes=1)


def digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def generate() -> tuple[str, str]:
    """A new (prefix, raw token)."""
    prefix = secrets.token_hex(4)
    return prefix, f"noel_{prefix}_{secrets.token_urlsafe(32)}"


def authenticate(raw: str) -> ApiToken | None:
    """The live token matching `raw`, its last use noted (at most once a minute, to spare writes)."""
    parts = raw.split("_", 2)  # the secret itself may contain "_"
    if len(parts) < 3 or parts[0] != "noel":
        return None
    token = ApiToken.objects.select_related("user").filter(prefix=parts[1], revoked_at__isnull=True).first()
    if token is None or not token.user.is_active or not hmac.compare_digest(token.key_hash, digest(raw)):
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token
