"""Reads of the events app: the change feed, and the body of a delivery (the state at delivery)."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Q, QuerySet
from django.utils import timezone

from apps.campaigns.models import Campaign
from apps.core.money import Money
from apps.events.models import ChangeEvent, Delivery, EventType
from apps.inventory.selectors import available_to_sell
from apps.pricing.models import EffectivePrice
from apps.products.models import Product


def change_feed(
    *, after: int, types: set[str] | None = None, channels: set[str] | None = None, limit: int = 100
) -> list[ChangeEvent]:
    """The entries after the cursor `after`, in order. `channels` (when not None) keeps the entries about
    those channels and the ones about no channel."""
    queryset: QuerySet[ChangeEvent] = ChangeEvent.objects.filter(pk__gt=after).order_by("pk")
    if types:
        queryset = queryset.filter(type__in=types)
    if channels is not None:
        queryset = queryset.filter(Q(channel="") | Q(channel__in=channels))
    return list(queryset[:limit])


def _money(amount, currency: str) -> str | None:
    return None if amount is None else str(Money(amount, currency).quantize())


def _when(value: datetime | None) -> str | None:
    return timezone.localtime(value).isoformat() if value else None


def states(deliveries: Sequence[Delivery]) -> dict[int, dict[str, Any]]:
    """Delivery id → what the receiver is told now: the product, its price or availability on the
    channel as they are at this instant (several changes folded into one message all lead here)."""
    product_ids = {d.product_id for d in deliveries if d.product_id is not None}
    products = {
        p["pk"]: p
        for p in Product.objects.filter(pk__in=product_ids).values(
            "pk", "sku", "status", "enabled", "version", "updated_at", "family__code", "parent__sku"
        )
    }
    priced = [d for d in deliveries if d.type == EventType.PRICE_CHANGED]
    prices = {}
    if priced:
        for row in EffectivePrice.objects.filter(
            product_id__in={d.product_id for d in priced}, channel__code__in={d.channel for d in priced}
        ).values(
            "product_id",
            "channel__code",
            "currency_id",
            "amount",
            "regular_amount",
            "promotion",
            "valid_until",
        ):
            prices[(row["product_id"], row["channel__code"])] = row
    stocked = [d for d in deliveries if d.type == EventType.AVAILABILITY_CHANGED]
    available = {}
    if stocked:
        wanted = defaultdict(set)
        for d in stocked:
            wanted[d.channel].add(d.product_id)
        available = available_to_sell({d.product_id for d in stocked}, list(wanted))
    codes = {d.data.get("campaign") for d in deliveries if d.type.startswith("campaign.")}
    campaigns = {c.code: c for c in Campaign.objects.filter(code__in=codes)} if codes else {}
    out = {}
    for d in deliveries:
        data: dict[str, Any] = {}
        if d.product_id is not None:
            product = products.get(d.product_id)
            data["sku"] = d.sku
            data["sequence"] = d.sequence
            data["product"] = (
                {
                    "status": product["status"],
                    "enabled": product["enabled"],
                    "version": product["version"],
                    "family": product["family__code"],
                    "parent": product["parent__sku"],
                    "updated_at": _when(product["updated_at"]),
                }
                if product
                else None  # deleted since
            )
        if d.channel:
            data["channel"] = d.channel
        if d.type == EventType.PRICE_CHANGED:
            row = prices.get((d.product_id, d.channel))
            data["price"] = (
                {
                    "amount": _money(row["amount"], row["currency_id"]),
                    "regular": _money(row["regular_amount"], row["currency_id"]),
                    "promotion": row["promotion"],
                    "valid_until": _when(row["valid_until"]),
                }
                if row
                else None
            )
        elif d.type == EventType.AVAILABILITY_CHANGED:
            quantity = available.get((d.product_id, d.channel), 0)
            data.update(
                available=quantity, in_stock=quantity > 0, crossed_zero=bool(d.data.get("crossed_zero"))
            )
        elif d.type.startswith("campaign."):
            campaign = campaigns.get(d.data.get("campaign"))
            data["campaign"] = {
                "code": d.data.get("campaign"),
                "status": campaign.status if campaign else d.data.get("status"),
                "starts_at": _when(campaign.starts_at) if campaign else None,
                "ends_at": _when(campaign.ends_at) if campaign else None,
            }
        else:
            data.update({k: v for k, v in d.data.items() if k != "crossed_zero"})
        if d.last_event_id is not None:
            data["event_id"] = d.last_event_id
            data["changes"] = d.folded
        out[d.pk] = data
    return out


def bodies_fill(deliveries: Sequence[Delivery]) -> None:
    """Write the body of the deliveries never tried: the state now, kept for their retries (one message,
    one body)."""
    fresh = [d for d in deliveries if not d.body]
    if not fresh:
        return
    now = timezone.now()
    for delivery_id, data in states(fresh).items():
        delivery = next(d for d in fresh if d.pk == delivery_id)
        delivery.body = json.dumps(
            {"type": delivery.type, "timestamp": _when(now), "data": data},
            cls=DjangoJSONEncoder,
            separators=(",", ":"),
            ensure_ascii=False,
        )
    Delivery.objects.bulk_update(fresh, ["body"])
