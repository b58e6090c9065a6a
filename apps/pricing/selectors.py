"""Reads of prices: what each channel shows, and how a price got there."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from apps.pricing.models import EffectivePrice, Price


def effective_prices(
    *, product_ids: list[int] | None = None, channel_codes: list[str] | None = None
) -> QuerySet[EffectivePrice]:
    queryset = EffectivePrice.objects.select_related("channel")
    if product_ids is not None:
        queryset = queryset.filter(product_id__in=product_ids)
    if channel_codes is not None:
        queryset = queryset.filter(channel__code__in=channel_codes)
    return queryset


def price_history(price: Price) -> list[dict[str, Any]]:
    """Each saved state of a price, newest first: when, who, through which path, amounts and reason."""
    rows = []
    for event in price.events.select_related("pgh_context").order_by("-pgh_id"):
        meta = event.pgh_context.metadata if event.pgh_context else {}
        rows.append(
            {
                "at": event.pgh_created_at,
                "who": meta.get("username", "database"),
                "source": meta.get("source", "database"),
                "reason": meta.get("reason", ""),
                "amount": event.amount,
                "compare_at": event.compare_at,
                "cost": event.cost,
            }
        )
    return rows
