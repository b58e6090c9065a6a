"""Who may do what with webhooks and the change feed: administrators see every endpoint; an integrator sees
and manages the endpoints they created. A token limited to channels only reaches endpoints whose channel
filter lies within them, and a new endpoint from it is limited to them."""

from __future__ import annotations

from django.db.models import QuerySet

from apps.core.models import User
from apps.core.policies import is_administrator
from apps.events.models import WebhookEndpoint


def visible_endpoints(user: User, queryset: QuerySet[WebhookEndpoint]) -> QuerySet[WebhookEndpoint]:
    if is_administrator(user):
        return queryset
    return queryset.filter(created_by=user)


def within_channels(endpoint: WebhookEndpoint, allowed: set[str] | None) -> bool:
    """Whether a caller limited to `allowed` channels (None: all) may see this endpoint: its own filter
    must name only those channels (an endpoint without filter gets every channel's events)."""
    if allowed is None:
        return True
    codes = {c.code for c in endpoint.channels.all()}
    return bool(codes) and codes <= allowed
