"""Stock for integrators: batches from the ERP, tills and shops (idempotent), availability on products."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Field, Header, Router

from apps.core.api_auth import idempotency_client, require, shown_channels
from apps.core.api_schema import InputSchema
from apps.inventory import selectors, services
from apps.products.models import Product

router = Router(tags=["stock"])


class StockLineIn(InputSchema):
    sku: str = Field(max_length=64)
    location: str = Field(max_length=100)
    quantity: int | None = Field(None, ge=0, le=services.MAX_QUANTITY)
    delta: int | None = Field(None, ge=-services.MAX_QUANTITY, le=services.MAX_QUANTITY)


class StockBatchIn(InputSchema):
    lines: list[StockLineIn]
    partial: bool = False


@router.post("/batch", summary="Apply stock counts or movements", response=dict)
def stock_batch(
    request: HttpRequest,
    body: StockBatchIn,
    idempotency_key: str | None = Header(None, alias="Idempotency-Key"),
):
    """Absolute `quantity` or `delta` per line; all or nothing unless `partial`; `Idempotency-Key` makes
    a retried batch apply once."""
    require(request, "write", "inventory.change_stocklevel")
    lines = [services.StockLine(**line.dict()) for line in body.lines]
    return services.stock_apply_batch(
        actor=request.user,
        lines=lines,
        idempotency_key=idempotency_key,
        partial=body.partial,
        idempotency_client=idempotency_client(request),
    )


def product_availability(products: list[Product], request: HttpRequest) -> dict[int, dict[str, int]]:
    """Available to sell per channel for a page of products (one query); 0 means sold out."""
    available = selectors.available_to_sell([p.pk for p in products])
    shown: dict[int, dict[str, int]] = {p.pk: {} for p in products}
    channels = shown_channels(request)  # the token's channels, those asked for
    for (product_id, channel), quantity in sorted(available.items()):
        if channels is None or channel in channels:
            shown[product_id][channel] = quantity
    return shown
