"""Demo prices: every sellable product on every channel, from its recommended price, with a cost."""

from __future__ import annotations

from decimal import Decimal
from typing import TextIO

from apps.core.models import Channel
from apps.pricing import services
from apps.pricing.models import Price
from apps.products.models import Product


def seed(*, products: int, out: TextIO) -> None:
    if Price.objects.exists() or products > 5000:  # the benchmarks set up their own prices
        return
    channels = list(Channel.objects.order_by("code"))
    lines = []
    chain = Product.objects.filter(is_model=False).values_list(
        "sku", "values", "parent__values", "parent__parent__values"
    )
    for sku, *levels in chain:
        prices = next((v["rrp"] for v in levels if v and "rrp" in v), {"*": {"*": {"EUR": "19.90"}}})
        rrp = prices["*"]["*"]["EUR"]
        amount = Decimal(rrp)
        for channel in channels:
            shown = amount + Decimal("1.00") if channel.code == "marketplace" else amount
            lines.append(
                services.PriceLine(
                    sku, channel.code, shown, cost=(amount * Decimal("0.45")).quantize(Decimal("0.01"))
                )
            )
    result = services.prices_apply_batch(actor=None, lines=lines)
    services.effective_prices_recompute()
    out.write(f"Prices: {result['applied']} set on {len(channels)} channels\n")
