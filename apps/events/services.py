"""Writes of the events app: turning committed outbox rows into change-feed entries and deliveries,
sending the deliveries, and the endpoints' life (create, change, rotate the secret, pause, resume)."""

from __future__ import annotations

import http.client
import logging
import random
import time
import uuid
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from apps.assets.events import AssetsChanged, AssetsExpired
from apps.campaigns.events import CampaignChanged
from apps.channels.events import FeedPublished
from apps.core import events, outbound
from apps.core.models import Channel, OutboxEvent, User
from apps.core.services import audit_record
from apps.events import selectors, signing
from apps.events.models import (
    TEST_EVENT,
    ChangeEvent,
    Delivery,
    DeliveryAttempt,
    EventType,
    ProductSequence,
    WebhookEndpoint,
)
from apps.inventory.events import StockChanged
from apps.pricing.events import EffectivePricesChanged
from apps.products.events import ProductsChanged
from apps.products.models import Product

logger = logging.getLogger(__name__)

# One dispatcher at a time: the change feed's ids are then committed in the order they are given.
_DISPATCH_LOCK = 0x4E6F656C


# --- the dispatcher: outbox → change feed → deliveries ------------------------------------------------


def outbox_dispatch(*, limit: int = 1000) -> int:
    """Turn up to `limit` committed outbox rows into change-feed entries and deliveries; the number of
    rows taken. Rows are taken in id order; a row another dispatcher holds is skipped."""
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_DISPATCH_LOCK])
        rows = list(
            OutboxEvent.objects.select_for_update(skip_locked=True)
            .filter(fanned_out_at__isnull=True)
            .order_by("id")[:limit]
        )
        if not rows:
            return 0
        entries = _entries(rows)
        _number(entries)
        ChangeEvent.objects.bulk_create(entries, batch_size=2000)
        _plan(entries, WebhookEndpoint.objects.filter(status=WebhookEndpoint.Status.ACTIVE))
        OutboxEvent.objects.filter(pk__in=[row.pk for row in rows]).update(fanned_out_at=timezone.now())
    return len(rows)


def _entries(rows: Sequence[OutboxEvent]) -> list[ChangeEvent]:
    decoded = []
    for row in rows:
        try:
            decoded.append((row, events.decode(row.topic, row.data)))
        except Exception:  # an event class renamed since: kept in the outbox, announced to nobody
            logger.exception("outbox event %s (%s) cannot be read", row.pk, row.topic)
    skus = {
        s
        for _row, e in decoded
        if isinstance(e, (ProductsChanged, AssetsChanged, AssetsExpired))
        for s in e.skus
    }
    ids = {
        i
        for _row, e in decoded
        if isinstance(e, (EffectivePricesChanged, StockChanged))
        for i in e.product_ids
    }
    by_sku, by_id = {}, {}
    if skus or ids:
        for pk, sku in Product.objects.filter(Q(sku__in=skus) | Q(pk__in=ids)).values_list("pk", "sku"):
            by_sku[sku], by_id[pk] = pk, sku
    active = (
        sorted(Channel.objects.filter(is_active=True).values_list("code", flat=True))
        if any(isinstance(e, StockChanged) for _row, e in decoded)
        else []
    )
    entries: list[ChangeEvent] = []

    def add(row: OutboxEvent, type_: str, subject: str, *, product=None, sku="", channel="", data=None):
        entries.append(
            ChangeEvent(
                type=type_,
                product_id=product,
                sku=sku,
                channel=channel,
                subject=subject,
                data=data or {},
                occurred_at=row.created_at,
                outbox_id=row.pk,
            )
        )

    for row, event in decoded:
        if isinstance(event, ProductsChanged):
            for sku in event.skus:
                if sku in by_sku:
                    add(
                        row, f"product.{event.action}", f"product:{by_sku[sku]}", product=by_sku[sku], sku=sku
                    )
        elif isinstance(event, EffectivePricesChanged):
            for pid in event.product_ids:
                for code in event.channel_codes:
                    add(
                        row,
                        EventType.PRICE_CHANGED,
                        f"product:{pid}",
                        product=pid,
                        sku=by_id.get(pid, ""),
                        channel=code,
                    )
        elif isinstance(event, StockChanged):
            crossed = set(event.crossed_zero)
            for pid in event.product_ids:
                for code in active:
                    add(
                        row,
                        EventType.AVAILABILITY_CHANGED,
                        f"product:{pid}",
                        product=pid,
                        sku=by_id.get(pid, ""),
                        channel=code,
                        data={"crossed_zero": (pid, code) in crossed},
                    )
        elif isinstance(event, AssetsChanged):
            for sku in event.skus:
                if sku in by_sku:
                    add(
                        row,
                        EventType.ASSET_CHANGED,
                        f"product:{by_sku[sku]}",
                        product=by_sku[sku],
                        sku=sku,
                        data={"asset_ids": list(event.asset_ids), "action": event.action},
                    )
            if not event.skus:
                for asset_id in event.asset_ids:
                    add(
                        row,
                        EventType.ASSET_CHANGED,
                        f"asset:{asset_id}",
                        data={"asset_ids": [asset_id], "action": event.action},
                    )
        elif isinstance(event, AssetsExpired):
            for sku in event.skus:
                if sku in by_sku:
                    for code in event.channel_codes or ("",):
                        add(
                            row,
                            EventType.ASSET_EXPIRED,
                            f"product:{by_sku[sku]}",
                            product=by_sku[sku],
                            sku=sku,
                            channel=code,
                            data={"asset_ids": list(event.asset_ids)},
                        )
        elif isinstance(event, CampaignChanged) and event.transition in ("started", "ended"):
            for code in event.channel_codes or ("",):
                add(
                    row,
                    f"campaign.{event.transition}",
                    f"campaign:{event.code}",
                    channel=code,
                    data={"campaign": event.code, "status": event.status},
                )
        elif isinstance(event, FeedPublished):
            add(
                row,
                EventType.FEED_PUBLISHED,
                f"feed:{event.channel_code}:{event.feed}",
                channel=event.channel_code,
                data={
                    "feed": event.feed,
                    "run": event.run_id,
                    "published": event.published,
                    "held_back": event.held_back,
                },
            )
    return entries


def _number(entries: Sequence[ChangeEvent]) -> None:
    """Give each product's entries the next numbers of that product's sequence, in order."""
    ids = {e.product_id for e in entries if e.product_id is not None}
    if not ids:
        return
    last = dict(ProductSequence.objects.filter(product_id__in=ids).values_list("product_id", "last"))
    for entry in entries:
        if entry.product_id is not None:
            last[entry.product_id] = last.get(entry.product_id, 0) + 1
            entry.sequence = last[entry.product_id]
    ProductSequence.objects.bulk_create(
        [ProductSequence(product_id=pid, last=n) for pid, n in last.items()],
        update_conflicts=True,
        unique_fields=["product_id"],
        update_fields=["last"],
        batch_size=2000,
    )


def _wanted(endpoint: WebhookEndpoint, entry: ChangeEvent, channels: set[str]) -> bool:
    if endpoint.event_types and entry.type not in endpoint.event_types:
        return False
    return not (channels and entry.channel and entry.channel not in channels)


def _plan(entries: Sequence[ChangeEvent], endpoints: Iterable[WebhookEndpoint]) -> int:
    """Deliveries of `entries` (in id order) to the endpoints that want them. A change joins the last
    delivery of its endpoint and subject when that one is of the same type and not yet tried: the
    receiver gets one message carrying the state at delivery, and the order per subject is kept."""
    endpoints = list(
        endpoints.prefetch_related("channels") if hasattr(endpoints, "prefetch_related") else endpoints
    )
    if not endpoints or not entries:
        return 0
    wanted = {
        ep.pk: [e for e in entries if _wanted(ep, e, {c.code for c in ep.channels.all()})] for ep in endpoints
    }
    subjects = {e.subject for chosen in wanted.values() for e in chosen}
    if not subjects:
        return 0
    latest_ids = (
        Delivery.objects.filter(endpoint_id__in=wanted, subject__in=subjects)
        .order_by("endpoint_id", "subject", "-id")
        .distinct("endpoint_id", "subject")
        .values_list("id", flat=True)
    )
    open_ = {
        (d.endpoint_id, d.subject): d
        for d in Delivery.objects.select_for_update(skip_locked=True).filter(
            pk__in=list(latest_ids),
            status=Delivery.Status.PENDING,
            attempts=0,
            claimed_until__isnull=True,
        )
    }
    folded: dict[int, Delivery] = {}
    new: list[Delivery] = []
    for endpoint_id, chosen in wanted.items():
        for entry in chosen:
            key = (endpoint_id, entry.subject)
            current = open_.get(key)
            if current is not None and current.type == entry.type and current.channel == entry.channel:
                current.last_event_id, current.sequence = entry.pk, entry.sequence
                current.folded += 1
                current.data = {
                    **entry.data,
                    **({"crossed_zero": True} if current.data.get("crossed_zero") else {}),
                }
                if current.pk:
                    folded[current.pk] = current
                continue
            delivery = Delivery(
                endpoint_id=endpoint_id,
                message_id=f"msg_{uuid.uuid4().hex}",
                type=entry.type,
                subject=entry.subject,
                product_id=entry.product_id,
                sku=entry.sku,
                channel=entry.channel,
                first_event_id=entry.pk,
                last_event_id=entry.pk,
                sequence=entry.sequence,
                data=entry.data,
            )
            new.append(delivery)
            open_[key] = delivery
    Delivery.objects.bulk_create(new, batch_size=2000)
    if folded:
        Delivery.objects.bulk_update(list(folded.values()), ["last_event_id", "sequence", "folded", "data"])
    return len(new)


# --- sending --------------------------------------------------------------------------------------------


@dataclass
class _Sent:
    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    answer: bytes = b""
    error: str = ""
    refused: bool = False
    started: datetime = field(default_factory=timezone.now)
    duration_ms: int = 0
    request: str = ""


def _claim(now: datetime, limit: int, only: Sequence[int] | None) -> list[Delivery]:
    """Due deliveries, each the oldest pending one of its endpoint and subject (so a subject's messages
    go in order), marked as taken for the time of one attempt."""
    extra, params = "", [now, now]
    if only is not None:
        extra, params = "AND d.id = ANY(%s)", [*params, list(only)]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT d.id FROM events_delivery d JOIN events_webhookendpoint e ON e.id = d.endpoint_id
            WHERE d.status = 'pending' AND d.next_attempt_at <= %s
              AND (d.claimed_until IS NULL OR d.claimed_until < %s) AND e.status = 'active' {extra}
              AND NOT EXISTS (SELECT 1 FROM events_delivery p WHERE p.endpoint_id = d.endpoint_id
                              AND p.subject = d.subject AND p.status = 'pending' AND p.id < d.id)
            ORDER BY d.id LIMIT %s FOR UPDATE OF d SKIP LOCKED
            """,
            [*params, limit],
        )
        ids = [row[0] for row in cursor.fetchall()]
        hold = timezone.now() + timedelta(seconds=float(settings.NOEL_WEBHOOK_TIMEOUT) + 60)
        Delivery.objects.filter(pk__in=ids).update(claimed_until=hold)
    return list(Delivery.objects.filter(pk__in=ids).select_related("endpoint").order_by("id"))


def deliveries_send(
    *, now: datetime | None = None, limit: int = 100, only: Sequence[int] | None = None
) -> int:
    """Send the due deliveries, a round at a time (each round the next message of every subject), until
    none is due or the round brought nothing; the number of attempts made."""
    made = 0
    deadline = time.monotonic() + float(settings.NOEL_WEBHOOK_SEND_BUDGET)
    # The delivery log is a technical record kept in one language (the sending threads' default), whoever
    # started the round: the admin marks it as English where a French page shows it.
    with translation.override("en"):
        while time.monotonic() < deadline:
            batch = _claim(now or timezone.now(), limit, only)
            if not batch:
                break
            made += _send_round(batch, now)
    return made


def _send_round(batch: list[Delivery], now: datetime | None) -> int:
    selectors.bodies_fill(batch)
    workers = max(1, min(int(settings.NOEL_WEBHOOK_CONCURRENCY), len(batch)))
    prepared = [(d, _request(d)) for d in batch]
    with ThreadPoolExecutor(max_workers=workers) as pool:
        results = list(pool.map(lambda pair: _post(pair[0].endpoint.url, *pair[1]), prepared))
    for delivery, result in zip(batch, results, strict=True):
        _record(delivery, result, now)
    return len(batch)


def _request(delivery: Delivery) -> tuple[bytes, dict[str, str]]:
    endpoint = delivery.endpoint
    at = timezone.now()
    in_force = [endpoint.secret]
    if endpoint.previous_secret and endpoint.previous_secret_until and endpoint.previous_secret_until > at:
        in_force.append(endpoint.previous_secret)
    body = delivery.body.encode()
    headers = {"content-type": "application/json", **signing.headers(in_force, delivery.message_id, at, body)}
    return body, headers


def _post(url: str, body: bytes, headers: dict[str, str]) -> _Sent:
    """One HTTP attempt (no database here: it runs in a worker thread)."""
    sent = _Sent(
        request="\n".join(
            [f"POST {url}", *(f"{k}: {v}" for k, v in headers.items()), "", body.decode()[:4000]]
        )
    )
    began = time.monotonic()
    try:
        sent.status, sent.headers, sent.answer = outbound.post_public(
            url,
            body,
            headers,
            timeout=float(settings.NOEL_WEBHOOK_TIMEOUT),
            allow_private=settings.NOEL_WEBHOOK_ALLOW_PRIVATE,
        )
    except outbound.NotPublic as exc:
        sent.error, sent.refused = str(exc), True
    except TimeoutError:
        sent.error = _("no answer within {seconds} s").format(seconds=settings.NOEL_WEBHOOK_TIMEOUT)
    except outbound.FetchRefused as exc:  # the host cannot be found: may come back
        sent.error = str(exc)
    except (OSError, http.client.HTTPException) as exc:
        sent.error = str(exc) or type(exc).__name__
    sent.duration_ms = int((time.monotonic() - began) * 1000)
    return sent


def _retry_after(headers: dict[str, str], now: datetime) -> float:
    value = headers.get("retry-after", "").strip()
    if not value:
        return 0.0
    if value.isdigit():
        return float(value)
    try:
        return max((parsedate_to_datetime(value) - now).total_seconds(), 0.0)
    except (TypeError, ValueError):
        return 0.0


def backoff(attempt: int) -> float:
    """Seconds before attempt `attempt` + 1: doubling from NOEL_WEBHOOK_RETRY_BASE up to
    NOEL_WEBHOOK_RETRY_MAX, each wait drawn in its upper half so that failed receivers are not all retried
    at the same instant."""
    ceiling = min(
        float(settings.NOEL_WEBHOOK_RETRY_BASE) * 2 ** (attempt - 1), float(settings.NOEL_WEBHOOK_RETRY_MAX)
    )
    return ceiling / 2 + random.uniform(0, ceiling / 2)


def _record(delivery: Delivery, sent: _Sent, now: datetime | None) -> None:
    now = now or timezone.now()
    endpoint = delivery.endpoint
    delivery.attempts += 1
    delivery.claimed_until = None
    delivery.last_status = sent.status
    status = sent.status or 0
    reason = sent.error or f"HTTP {status}"
    DeliveryAttempt.objects.create(
        delivery=delivery,
        number=delivery.attempts,
        at=sent.started,
        duration_ms=sent.duration_ms,
        request=sent.request,
        status_code=sent.status,
        answer_start=sent.answer[:500].decode(errors="replace"),
        error=sent.error,
    )
    pause = ""
    if 200 <= status < 300:
        delivery.status, delivery.delivered_at, delivery.last_error = Delivery.Status.DELIVERED, now, ""
        if endpoint.failing_since is not None:
            WebhookEndpoint.objects.filter(pk=endpoint.pk).update(failing_since=None)
            endpoint.failing_since = None
    elif sent.refused:
        delivery.status, delivery.last_error = Delivery.Status.FAILED, reason
        pause = reason
    elif status == 410:
        delivery.status, delivery.last_error = Delivery.Status.FAILED, reason
        pause = _("the receiver answered 410 Gone: it no longer wants these messages")
    elif status and status < 500 and status != 429:
        # the receiver refused this message (bad request, unauthorised…): sending it again changes nothing
        delivery.status, delivery.last_error = Delivery.Status.FAILED, reason
    else:
        delivery.last_error = reason
        window = timedelta(seconds=float(settings.NOEL_WEBHOOK_RETRY_FOR))
        if now - delivery.retry_since >= window:
            delivery.status = Delivery.Status.FAILED
            delivery.last_error = _("given up after trying for {hours} h: {reason}").format(
                hours=int(window.total_seconds() // 3600), reason=reason
            )
        else:
            wait = max(backoff(delivery.attempts), _retry_after(sent.headers, now))
            delivery.next_attempt_at = now + timedelta(seconds=min(wait, window.total_seconds()))
        since = endpoint.failing_since or now
        if endpoint.failing_since is None:
            WebhookEndpoint.objects.filter(pk=endpoint.pk, failing_since__isnull=True).update(
                failing_since=now
            )
            endpoint.failing_since = now
        if now - since >= timedelta(seconds=float(settings.NOEL_WEBHOOK_PAUSE_AFTER)):
            pause = _("failing since {since}: {reason}").format(
                since=timezone.localtime(since).strftime("%Y-%m-%d %H:%M"), reason=reason
            )
    delivery.save(
        update_fields=[
            "attempts",
            "claimed_until",
            "last_status",
            "status",
            "delivered_at",
            "last_error",
            "next_attempt_at",
        ]
    )
    if pause:
        endpoint_pause(actor=None, endpoint=endpoint, reason=pause)


# --- endpoints ------------------------------------------------------------------------------------------


def _check_url(url: str) -> None:
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(url)
        hostname, _port = parts.hostname, parts.port
    except ValueError:
        hostname = None
    if hostname is None or parts.scheme not in ("http", "https") or len(url) > 500:
        raise ValidationError({"url": _("{url} is not an http(s) address").format(url=url[:200])})
    if settings.NOEL_WEBHOOK_ALLOW_PRIVATE:
        return
    import ipaddress

    try:
        ip = ipaddress.ip_address(parts.hostname.strip("[]"))
    except ValueError:
        if parts.hostname.lower() in ("localhost",) or parts.hostname.lower().endswith(".localhost"):
            raise ValidationError({"url": _("{url} is not a public address").format(url=url)}) from None
        return  # a name: checked at every delivery, where it is resolved
    if not outbound.address_is_public(ip):
        raise ValidationError({"url": _("{url} is not a public address").format(url=url)})


def _check_types(types: Iterable[str]) -> list[str]:
    types = list(dict.fromkeys(types))
    unknown = [t for t in types if t not in EventType.values]
    if unknown:
        raise ValidationError(
            {"event_types": _("unknown event type(s): {types}; known: {known}").format(
                types=", ".join(unknown), known=", ".join(EventType.values)
            )}
        )  # fmt: skip
    return types


def endpoint_create(
    *,
    actor: User | None,
    name: str,
    url: str,
    event_types: Iterable[str] = (),
    channels: Iterable[Channel] = (),
) -> WebhookEndpoint:
    _check_url(url)
    with transaction.atomic():
        endpoint = WebhookEndpoint(
            name=name.strip() or url,
            url=url,
            event_types=_check_types(event_types),
            secret=signing.new_secret(),
            created_by=actor,
        )
        endpoint.full_clean(exclude=["secret", "event_types"])
        endpoint.save()
        endpoint.channels.set(list(channels))
        audit_record(
            actor=actor,
            action="webhook.create",
            object_type="webhook",
            object_code=str(endpoint.pk),
            diff={"url": url, "event_types": endpoint.event_types, "channels": [c.code for c in channels]},
        )
    return endpoint


@transaction.atomic
def endpoint_update(
    *,
    actor: User | None,
    endpoint: WebhookEndpoint,
    name: str | None = None,
    url: str | None = None,
    event_types: Iterable[str] | None = None,
    channels: Iterable[Channel] | None = None,
    status: str | None = None,
) -> WebhookEndpoint:
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    diff: dict[str, Any] = {}
    if url is not None and url != endpoint.url:
        _check_url(url)
        diff["url"] = [endpoint.url, url]
        endpoint.url = url
    if name is not None and name.strip() and name != endpoint.name:
        diff["name"] = [endpoint.name, name]
        endpoint.name = name.strip()
    if event_types is not None:
        types = _check_types(event_types)
        diff["event_types"] = [endpoint.event_types, types]
        endpoint.event_types = types
    endpoint.full_clean(exclude=["secret", "event_types"])
    endpoint.save()
    if channels is not None:
        channels = list(channels)
        diff["channels"] = [c.code for c in channels]
        endpoint.channels.set(channels)
    if status == WebhookEndpoint.Status.PAUSED and endpoint.status != status:
        endpoint_pause(
            actor=actor, endpoint=endpoint, reason=_("paused by {who}").format(who=actor or "Noel")
        )
    elif status == WebhookEndpoint.Status.ACTIVE and endpoint.status != status:
        endpoint_resume(actor=actor, endpoint=endpoint)
    elif status not in (None, *WebhookEndpoint.Status.values):
        raise ValidationError({"status": _("status is active or paused")})
    audit_record(
        actor=actor, action="webhook.change", object_type="webhook", object_code=str(endpoint.pk), diff=diff
    )
    endpoint.refresh_from_db()
    return endpoint


@transaction.atomic
def endpoint_delete(*, actor: User | None, endpoint: WebhookEndpoint) -> None:
    audit_record(
        actor=actor, action="webhook.delete", object_type="webhook", object_code=str(endpoint.pk),
        diff={"url": endpoint.url},
    )  # fmt: skip
    endpoint.delete()


def endpoint_pause(*, actor: User | None, endpoint: WebhookEndpoint, reason: str) -> None:
    with translation.override("en"):  # kept with the delivery log, in its one language
        reason = str(reason)
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
        status=WebhookEndpoint.Status.PAUSED, paused_reason=reason, paused_at=timezone.now()
    )
    endpoint.status, endpoint.paused_reason = WebhookEndpoint.Status.PAUSED, reason
    audit_record(
        actor=actor,
        action="webhook.pause",
        object_type="webhook",
        object_code=str(endpoint.pk),
        diff={"reason": reason},
    )


def endpoint_resume(*, actor: User | None, endpoint: WebhookEndpoint) -> None:
    """Active again: its waiting deliveries go at once, and its failing day starts afresh."""
    now = timezone.now()
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
        status=WebhookEndpoint.Status.ACTIVE, paused_reason="", paused_at=None, failing_since=None
    )
    endpoint.deliveries.filter(status=Delivery.Status.PENDING).update(next_attempt_at=now, retry_since=now)
    endpoint.status = WebhookEndpoint.Status.ACTIVE
    audit_record(
        actor=actor, action="webhook.resume", object_type="webhook", object_code=str(endpoint.pk), diff={}
    )


@transaction.atomic
def endpoint_rotate_secret(*, actor: User | None, endpoint: WebhookEndpoint) -> WebhookEndpoint:
    """A new secret; the old one still signs (a second signature) for NOEL_WEBHOOK_ROTATION_OVERLAP, while
    the receiver changes its copy."""
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    endpoint.previous_secret = endpoint.secret
    endpoint.previous_secret_until = timezone.now() + timedelta(
        seconds=float(settings.NOEL_WEBHOOK_ROTATION_OVERLAP)
    )
    endpoint.secret = signing.new_secret()
    endpoint.save(update_fields=["secret", "previous_secret", "previous_secret_until"])
    audit_record(
        actor=actor,
        action="webhook.rotate_secret",
        object_type="webhook",
        object_code=str(endpoint.pk),
        diff={},
    )
    return endpoint


def endpoint_send_test(*, actor: User | None, endpoint: WebhookEndpoint) -> Delivery:
    """A `webhook.test` message, sent now (whatever the endpoint's filters, even paused); the delivery
    with its first attempt recorded."""
    delivery = Delivery.objects.create(
        endpoint=endpoint,
        message_id=f"msg_{uuid.uuid4().hex}",
        type=TEST_EVENT,
        subject=f"test:{uuid.uuid4().hex}",
        data={"message": "Noel test event", "requested_by": actor.get_username() if actor else ""},
    )
    audit_record(
        actor=actor, action="webhook.test", object_type="webhook", object_code=str(endpoint.pk), diff={}
    )
    selectors.bodies_fill([delivery])
    delivery.endpoint = endpoint
    _record(delivery, _post(endpoint.url, *_request(delivery)), None)
    delivery.refresh_from_db()
    return delivery


def delivery_redeliver(*, actor: User | None, delivery: Delivery) -> Delivery:
    """Send a message again, same id and body, from now on with a fresh day of retries."""
    now = timezone.now()
    Delivery.objects.filter(pk=delivery.pk).update(
        status=Delivery.Status.PENDING,
        next_attempt_at=now,
        retry_since=now,
        claimed_until=None,
        delivered_at=None,
    )
    audit_record(
        actor=actor, action="webhook.redeliver", object_type="webhook", object_code=str(delivery.endpoint_id),
        diff={"message": delivery.message_id},
    )  # fmt: skip
    transaction.on_commit(_kick_sender)
    delivery.refresh_from_db()
    return delivery


def endpoint_resend_from(*, actor: User | None, endpoint: WebhookEndpoint, since: datetime) -> int:
    """New deliveries of every change since `since` the endpoint wants (as the feed still holds them:
    NOEL_EVENTS_RETENTION_DAYS); the number of messages."""
    with transaction.atomic():
        entries = list(ChangeEvent.objects.filter(recorded_at__gte=since).order_by("id"))
        made = _plan(entries, WebhookEndpoint.objects.filter(pk=endpoint.pk))
        audit_record(
            actor=actor, action="webhook.resend", object_type="webhook", object_code=str(endpoint.pk),
            diff={"since": since.isoformat(), "messages": made},
        )  # fmt: skip
        transaction.on_commit(_kick_sender)
    return made


def _kick_sender() -> None:
    from apps.events.tasks import deliver

    try:
        deliver.delay()
    except Exception:  # the broker is down: the periodic job sends them
        logger.exception("could not queue the webhook sender")


def events_prune(*, now: datetime | None = None) -> dict[str, int]:
    """Forget what is older than NOEL_EVENTS_RETENTION_DAYS: dispatched outbox rows, change-feed entries,
    finished deliveries with their attempts. Pending deliveries stay."""
    before = (now or timezone.now()) - timedelta(days=int(settings.NOEL_EVENTS_RETENTION_DAYS))
    outbox, _detail = OutboxEvent.objects.filter(
        created_at__lt=before, reacted_at__isnull=False, fanned_out_at__isnull=False
    ).delete()
    feed, _detail = ChangeEvent.objects.filter(recorded_at__lt=before).delete()
    finished = Delivery.objects.filter(created_at__lt=before).exclude(status=Delivery.Status.PENDING)
    DeliveryAttempt.objects.filter(delivery__in=finished).delete()
    deliveries, _detail = finished.delete()
    return {"outbox": outbox, "feed": feed, "deliveries": deliveries}
