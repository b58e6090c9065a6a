"""Reads of the core app."""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import connection
from django.db.models import QuerySet

from apps.core.models import AuditLog, Currency, Locale

log = logging.getLogger(__name__)


def active_locales() -> QuerySet[Locale]:
    return Locale.objects.filter(is_active=True).order_by("code")


def active_currencies() -> QuerySet[Currency]:
    return Currency.objects.filter(is_active=True).order_by("code")


def audit_trail(*, object_type: str, object_code: str) -> QuerySet[AuditLog]:
    """Everything that happened to one object, newest first."""
    return AuditLog.objects.filter(object_type=object_type, object_code=object_code).select_related("actor")


def _down(part: str, exc: Exception) -> str:
    """What /healthz answers for a part that is down: which part and the kind of failure. The driver's
    message names hosts and ports, which the public answer must not: it goes to the log only."""
    log.error("health check: the %s is down: %s: %s", part, type(exc).__name__, exc)
    return f"down ({type(exc).__name__})"


def database_health(database=connection) -> str | None:
    """None when the database answers, else why it does not (without its address)."""
    try:
        with database.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any driver or network failure means "down"
        return _down("database", exc)
    return None


def broker_health(timeout: float = 2.0) -> str | None:
    """None when the Celery broker answers a round trip, else why it does not (without its address)."""
    from config.celery import app

    try:
        with app.connection_for_write(settings.CELERY_BROKER_URL) as conn:
            conn.ensure_connection(max_retries=1, timeout=timeout)
            conn.channel().close()  # opening a channel talks to the broker (Redis PING, AMQP open)
    except Exception as exc:  # kombu raises many types for an unreachable broker
        return _down("broker", exc)
    return None


def recent_activity(*, limit: int = 10) -> list[AuditLog]:
    """People's latest changes; system jobs (no actor: beat's builds, imports' bookkeeping) are left out."""
    return list(AuditLog.objects.filter(actor__isnull=False).select_related("actor")[:limit])
