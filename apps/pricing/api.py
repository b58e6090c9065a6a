"""Prices for integrators: batches from the ERP (idempotent), and effective prices on products."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils import timezone
from ninja import Header, Router

from apps.core.api_auth import allowed_channels, idempotency_client, require, shown_channels
from apps.core.api_schema import InputSchema
from apps.core.money import Money
from apps.pricing import selectors, services
from apps.pricing.modifiers import references_at
from apps.products.models import Product

router = Router(tags=["prices"])


class PriceLineIn(InputSchema):
    sku: str
    channel: str
    amount: Decimal
    currency: str | None = None
    compare_at: Decimal | None = None
    cost: Decimal | None = None


class PriceBatchIn(InputSchema):
    lines: list[PriceLineIn]
    partial: bool = False
    confirm: bool = False


@router.post("/batch", summary="Set many prices", response=dict)
def price_batch(
    request: HttpRequest,
    body: PriceBatchIn,
    idempotency_key: str | None = Header(None, alias="Idempotency-Key"),
):
    """All lines or none (unless `partial`); each error names its line. Send an `Idempotency-Key` so a
    retry after a timeout returns the first answer and applies nothing twice."""
    require(request, "write", "pricing.change_price")
    channels = allowed_channels(request)
    outside = sorted({line.channel for line in body.lines} - channels) if channels is not None else []
    if outside:
        raise PermissionDenied(f"this token may not write prices on {', '.join(outside)}")
    lines = [services.PriceLine(**line.dict()) for line in body.lines]
    return services.prices_apply_batch(
        actor=request.user,
        lines=lines,
        idempotency_key=idempotency_key,
        partial=body.partial,
        confirm=body.confirm,
        idempotency_client=idempotency_client(request),
    )


def product_prices(products: list[Product], request: HttpRequest) -> dict[int, list[dict]]:
    """Effective prices of a page of products (one query, plain tuples), in the feed form "12.50 EUR"."""
    shown: dict[int, list[dict]] = {p.pk: [] for p in products}
    rows = selectors.effective_prices(product_ids=list(shown)).filter(amount__isnull=False)
    if (channels := shown_channels(request)) is not None:  # the token's channels, those asked for
        rows = rows.filter(channel__code__in=sorted(channels))
    rows = rows.order_by("channel__code").values_list(
        "product_id",
        "channel_id",
        "channel__code",
        "currency_id",
        "amount",
        "regular_amount",
        "promotion",
        "valid_from",
        "valid_until",
    )
    rows = list(rows)
    # in a promotion, the lowest price of the 30 days before it began (a few queries for the whole page)
    promoted = [(pid, cid, regular) for pid, cid, _c, _cur, _a, regular, promotion, *_ in rows if promotion]
    references = references_at(promoted, timezone.now()) if promoted else {}
    for (
        product_id,
        channel_id,
        channel,
        currency,
        amount,
        regular,
        promotion,
        valid_from,
        valid_until,
    ) in rows:
        reference = references.get((product_id, channel_id)) if promotion else None
        shown[product_id].append(
            {
                "channel": channel,
                "price": str(Money(amount, currency)),
                "regular_price": str(Money(regular, currency)),
                "promotion": promotion or None,
                "reference_price": str(Money(reference, currency)) if reference is not None else None,
                "valid_from": valid_from,
                "valid_until": valid_until,
            }
        )
    return shown
