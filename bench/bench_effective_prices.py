"""Effective prices of 50,000 products on 4 channels recomputed from the dirty flag, against a
per-row ORM loop (read the base price, save the effective price) timed on 2,000 of the same rows.

    python bench/bench_effective_prices.py [PRODUCTS]     (default 50000; target < 30 s)
"""

from __future__ import annotations

import sys
import time
from decimal import Decimal

from common import setup

PRODUCTS = int(sys.argv[1]) if len(sys.argv) > 1 else 50_000
setup(100_000)

from django.db import transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from apps.core.models import Channel  # noqa: E402
from apps.pricing import services  # noqa: E402
from apps.pricing.models import EffectivePrice, Price  # noqa: E402
from apps.products.models import Product  # noqa: E402

channels = list(Channel.objects.order_by("code")[:4])
product_ids = list(
    Product.objects.filter(is_model=False).order_by("pk").values_list("pk", flat=True)[:PRODUCTS]
)
if Price.objects.count() < PRODUCTS * len(channels):  # set-up data, not what is measured
    Price.objects.all().delete()
    Price.objects.bulk_create(
        [
            Price(product_id=p, channel=c, currency_id=c.currency_id, amount=Decimal(10 + p % 50))
            for p in product_ids
            for c in channels
        ],
        batch_size=10_000,
    )
pairs = [(p, c.pk) for p in product_ids for c in channels]
with transaction.atomic():
    EffectivePrice.objects.all().delete()
    services.effective_prices_mark_dirty(pairs)

started = time.perf_counter()
done = services.effective_prices_recompute()
noel = time.perf_counter() - started
assert done == len(pairs), (done, len(pairs))

sample = EffectivePrice.objects.order_by("pk")[:2000]
started = time.perf_counter()
with transaction.atomic():
    for row in sample:
        base = (
            Price.objects.filter(product_id=row.product_id, channel_id=row.channel_id)
            .values_list("amount", flat=True)
            .first()
        )
        row.amount = row.regular_amount = base
        row.dirty, row.computed_at = False, timezone.now()
        row.save()
naive_rate = 2000 / (time.perf_counter() - started)
print(
    f"effective prices, {PRODUCTS} products x {len(channels)} channels = {len(pairs)} rows: "
    f"noel {noel:.1f} s "
    f"({len(pairs) / noel:,.0f} rows/s, target < 30 s) | baseline per-row ORM {naive_rate:,.0f} rows/s "
    f"(would take {len(pairs) / naive_rate:.0f} s) -> {len(pairs) / naive_rate / noel:.1f}x"
)
