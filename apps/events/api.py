"""Webhook endpoints (for integrators and administrators) and the change feed, /api/v1/events.

The change feed is read with a cursor: `after` is the last id seen; ids appear in the order they were
committed, so paging from it misses nothing and repeats nothing, whatever is written meanwhile."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema, Status
from pydantic import field_validator

from apps.core.api_auth import allowed_channels, require, shown_channels
from apps.core.api_schema import InputSchema
from apps.core.instants import Instant
from apps.core.models import Channel
from apps.events import policies, selectors, services
from apps.events.models import ChangeEvent, Delivery, EventType, WebhookEndpoint

router = Router(tags=["events and webhooks"])
# ids are PostgreSQL bigints: a larger number names nothing (and must not reach the database)
_MAX_ID = 2**63 - 1
feed_router = Router(tags=["events and webhooks"])
# ids are PostgreSQL bigints: a larger number names nothing (and must not reach the database)
_MAX_ID = 2**63 - 1


class EventOut(Schema):
    id: int
    type: str
    sku: str
    channel: str
    sequence: int | None
    data: dict[str, Any]
    occurred_at: datetime


class EventPage(Schema):
    items: list[EventOut]
    next_cursor: int


class FeedFilters(InputSchema):
    after: int = Field(0, ge=0, le=_MAX_ID)
    types: str | None = None
    channel: str | None = None
    limit: int = 100

    @field_validator("types")
    @classmethod
    def known_types(cls, value: str | None) -> str | None:
        """An unknown type is bad input (400, named in `field`), as any malformed filter of a read."""
        unknown = {t.strip() for t in (value or "").split(",") if t.strip()} - set(EventType.values)
        if unknown:
            raise ValueError(
                f"unknown event type(s): {', '.join(sorted(unknown))}; known: {', '.join(EventType.values)}"
            )
        return value


@feed_router.get("", response=EventPage, summary="The change feed: what changed after a cursor")
def change_feed(request: HttpRequest, filters: Query[FeedFilters]):
    """Entries after `after` (0: from the oldest kept), oldest first; `next_cursor` is the `after` of the
    next page (the same when nothing new). `types`: comma-separated event types; `channel`: one or more
    channel codes (entries about no channel, a product's data, always come)."""
    require(request, "read", "events.view_changeevent")
    types = {t.strip() for t in (filters.types or "").split(",") if t.strip()}
    channels = shown_channels(request, filters.channel)
    limit = max(1, min(filters.limit, 1000))
    page = selectors.change_feed(
        after=max(filters.after, 0), types=types or None, channels=channels, limit=limit
    )
    return {"items": [_event(e) for e in page], "next_cursor": page[-1].pk if page else filters.after}


def _bad(field: str, message: str):
    from django.core.exceptions import ValidationError

    return ValidationError({field: message})


def _event(e: ChangeEvent) -> dict:
    return {
        "id": e.pk, "type": e.type, "sku": e.sku, "channel": e.channel, "sequence": e.sequence,
        "data": e.data, "occurred_at": e.occurred_at,
    }  # fmt: skip


class EndpointIn(InputSchema):
    name: str = ""
    url: str
    event_types: list[str] = []
    channels: list[str] = []


class EndpointPatch(InputSchema):
    name: str | None = None
    url: str | None = None
    event_types: list[str] | None = None
    channels: list[str] | None = None
    status: WebhookEndpoint.Status | None = None


class EndpointOut(Schema):
    id: int
    name: str
    url: str
    event_types: list[str]
    channels: list[str]
    status: str
    paused_reason: str
    failing_since: datetime | None
    created_at: datetime


class EndpointCreated(EndpointOut):
    secret: str


class DeliveryOut(Schema):
    id: int
    message_id: str
    type: str
    sku: str
    channel: str
    status: str
    attempts: int
    last_status: int | None
    last_error: str
    next_attempt_at: datetime
    created_at: datetime
    delivered_at: datetime | None


class ResendIn(InputSchema):
    since: Instant


def _out(endpoint: WebhookEndpoint, secret: bool = False) -> dict:
    out = {
        "id": endpoint.pk, "name": endpoint.name, "url": endpoint.url, "event_types": endpoint.event_types,
        "channels": sorted(c.code for c in endpoint.channels.all()), "status": endpoint.status,
        "paused_reason": endpoint.paused_reason, "failing_since": endpoint.failing_since,
        "created_at": endpoint.created_at,
    }  # fmt: skip
    if secret:
        out["secret"] = endpoint.secret
    return out


def _endpoint(request: HttpRequest, endpoint_id: int) -> WebhookEndpoint:
    if not 0 < endpoint_id <= _MAX_ID:
        raise Http404(f"no webhook endpoint {endpoint_id}")
    queryset = policies.visible_endpoints(request.user, WebhookEndpoint.objects.prefetch_related("channels"))
    endpoint = get_object_or_404(queryset, pk=endpoint_id)
    if not policies.within_channels(endpoint, allowed_channels(request)):
        raise Http404(f"no webhook endpoint {endpoint_id}")
    return endpoint


def _channels(request: HttpRequest, codes: list[str]) -> list[Channel]:
    allowed = allowed_channels(request)
    if allowed is not None:
        if not codes:
            codes = sorted(allowed)  # a limited token's endpoint hears only its channels
        outside = set(codes) - allowed
        if outside:
            raise PermissionDenied(f"this token is limited to {', '.join(sorted(allowed))}")
    found = list(Channel.objects.filter(code__in=codes))
    missing = set(codes) - {c.code for c in found}
    if missing:
        raise _bad("channels", f"no channel {', '.join(sorted(missing))}")
    return found


@router.get("", response=list[EndpointOut], summary="Webhook endpoints")
def list_endpoints(request: HttpRequest):
    require(request, "read", "events.view_webhookendpoint")
    queryset = policies.visible_endpoints(
        request.user, WebhookEndpoint.objects.prefetch_related("channels").order_by("pk")
    )
    allowed = allowed_channels(request)
    return [_out(e) for e in queryset if policies.within_channels(e, allowed)]


@router.post("", response={201: EndpointCreated}, summary="Add a webhook endpoint (its secret is shown once)")
def create_endpoint(request: HttpRequest, payload: EndpointIn):
    require(request, "write", "events.add_webhookendpoint")
    endpoint = services.endpoint_create(
        actor=request.user,
        name=payload.name,
        url=payload.url,
        event_types=payload.event_types,
        channels=_channels(request, payload.channels),
    )
    endpoint = WebhookEndpoint.objects.prefetch_related("channels").get(pk=endpoint.pk)
    return Status(201, _out(endpoint, secret=True))


@router.get("/{endpoint_id}", response=EndpointOut, summary="A webhook endpoint")
def get_endpoint(request: HttpRequest, endpoint_id: int):
    require(request, "read", "events.view_webhookendpoint")
    return _out(_endpoint(request, endpoint_id))


@router.patch("/{endpoint_id}", response=EndpointOut, summary="Change, pause or resume a webhook endpoint")
def update_endpoint(request: HttpRequest, endpoint_id: int, payload: EndpointPatch):
    require(request, "write", "events.change_webhookendpoint")
    endpoint = _endpoint(request, endpoint_id)
    services.endpoint_update(
        actor=request.user,
        endpoint=endpoint,
        name=payload.name,
        url=payload.url,
        event_types=payload.event_types,
        channels=_channels(request, payload.channels) if payload.channels is not None else None,
        status=payload.status,
    )
    return _out(WebhookEndpoint.objects.prefetch_related("channels").get(pk=endpoint.pk))


@router.delete("/{endpoint_id}", response={204: None}, summary="Remove a webhook endpoint")
def delete_endpoint(request: HttpRequest, endpoint_id: int):
    require(request, "write", "events.delete_webhookendpoint")
    endpoint = _endpoint(request, endpoint_id)
    services.endpoint_delete(actor=request.user, endpoint=endpoint)
    return Status(204, None)


@router.post(
    "/{endpoint_id}/rotate-secret", response=EndpointCreated, summary="Give an endpoint a new secret"
)
def rotate_secret(request: HttpRequest, endpoint_id: int):
    """The previous secret keeps signing beside the new one for NOEL_WEBHOOK_ROTATION_OVERLAP."""
    require(request, "write", "events.change_webhookendpoint")
    endpoint = services.endpoint_rotate_secret(actor=request.user, endpoint=_endpoint(request, endpoint_id))
    return _out(WebhookEndpoint.objects.prefetch_related("channels").get(pk=endpoint.pk), secret=True)


@router.post("/{endpoint_id}/test", response=DeliveryOut, summary="Send a test event now")
def send_test(request: HttpRequest, endpoint_id: int):
    require(request, "write", "events.send_webhook")
    return _delivery(
        services.endpoint_send_test(actor=request.user, endpoint=_endpoint(request, endpoint_id))
    )


@router.get("/{endpoint_id}/deliveries", response=list[DeliveryOut], summary="An endpoint's last deliveries")
def list_deliveries(request: HttpRequest, endpoint_id: int, limit: int = 50):
    require(request, "read", "events.view_webhookendpoint")
    endpoint = _endpoint(request, endpoint_id)
    return [_delivery(d) for d in endpoint.deliveries.order_by("-id")[: max(1, min(limit, 500))]]


@router.post(
    "/{endpoint_id}/deliveries/{delivery_id}/redeliver", response=DeliveryOut, summary="Send a message again"
)
def redeliver(request: HttpRequest, endpoint_id: int, delivery_id: int):
    require(request, "write", "events.send_webhook")
    endpoint = _endpoint(request, endpoint_id)
    if not 0 < delivery_id <= _MAX_ID:
        raise Http404(f"no delivery {delivery_id}")
    delivery = get_object_or_404(Delivery, pk=delivery_id, endpoint=endpoint)
    return _delivery(services.delivery_redeliver(actor=request.user, delivery=delivery))


@router.post("/{endpoint_id}/resend", response=dict, summary="Send again every change since an instant")
def resend(request: HttpRequest, endpoint_id: int, payload: ResendIn):
    require(request, "write", "events.send_webhook")
    made = services.endpoint_resend_from(
        actor=request.user, endpoint=_endpoint(request, endpoint_id), since=payload.since
    )
    return {"messages": made}


def _delivery(d: Delivery) -> dict:
    return {
        "id": d.pk, "message_id": d.message_id, "type": d.type, "sku": d.sku, "channel": d.channel,
        "status": d.status, "attempts": d.attempts, "last_status": d.last_status, "last_error": d.last_error,
        "next_attempt_at": d.next_attempt_at, "created_at": d.created_at, "delivered_at": d.delivered_at,
    }  # fmt: skip
