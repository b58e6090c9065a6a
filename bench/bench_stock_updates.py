"""Stock batch from an ERP: 10,000 absolute counts and deltas through stock_apply_batch, against a
per-line ORM loop (get, change, save, one movement each) on the same lines in the same run.

    python bench/bench_stock_updates.py [LINES]     (default 10000; target < 2 s)
"""

from __future__ import annotations

import random
import sys
import time

from common import setup

LINES = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
setup(100_000)

from django.db import transaction  # noqa: E402

from apps.core.models import Channel  # noqa: E402
from apps.inventory import services  # noqa: E402
from apps.inventory.models import StockLevel, StockLocation, StockMovement  # noqa: E402
from apps.products.models import Product  # noqa: E402

for code, kind in (("WH-BENCH", "warehouse"), ("STORE-BENCH", "store")):
    location, _ = StockLocation.objects.get_or_create(code=code, defaults={"name": code, "kind": kind})
    location.channels.set(Channel.objects.all())
skus = list(Product.objects.filter(is_model=False).order_by("pk").values_list("sku", flat=True)[: LINES * 2])
rng = random.Random(7)


def lines(offset: int) -> list[services.StockLine]:
    chosen = skus[offset : offset + LINES]
    return [
        services.StockLine(sku, rng.choice(["WH-BENCH", "STORE-BENCH"]), quantity=rng.randint(0, 40))
        if n % 3
        else services.StockLine(sku, "WH-BENCH", delta=rng.randint(0, 5))
        for n, sku in enumerate(chosen)
    ]


batch = lines(0)
started = time.perf_counter()
result = services.stock_apply_batch(actor=None, lines=batch)
noel = time.perf_counter() - started
assert not result["errors"], result["errors"][:3]

naive_lines = lines(LINES)
started = time.perf_counter()
with transaction.atomic():
    products = dict(
        Product.objects.filter(sku__in=[line.sku for line in naive_lines]).values_list("sku", "pk")
    )
    locations = dict(StockLocation.objects.values_list("code", "pk"))
    for line in naive_lines:
        level, _ = StockLevel.objects.select_for_update().get_or_create(
            product_id=products[line.sku], location_id=locations[line.location]
        )
        before = level.on_hand
        level.on_hand = line.quantity if line.quantity is not None else level.on_hand + line.delta
        level.save()
        StockMovement.objects.create(
            level=level,
            on_hand_before=before,
            on_hand_after=level.on_hand,
            reserved_before=0,
            reserved_after=0,
            source="bench",
        )
naive = time.perf_counter() - started
print(
    f"stock batch, {LINES} lines: noel {noel:.2f} s ({LINES / noel:,.0f} lines/s, target < 2 s) | "
    f"baseline per-line ORM {naive:.2f} s ({LINES / naive:,.0f} lines/s) -> {naive / noel:.1f}x"
)
