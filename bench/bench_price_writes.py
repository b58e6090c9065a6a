"""Bulk price writes with their history triggers, against the same write with the triggers off (the
baseline), in the same run and at two sizes: the cost per row with history should stay flat as the write
grows. Each write is one `Price.objects.bulk_create` (batches of 10,000, as bench_campaign's set-up) in
one transaction, with its deferred foreign-key checks run (SET CONSTRAINTS ALL IMMEDIATE), then rolled
back so that every write starts from the same table. Figures: rows/s, µs per row, the CPU seconds of
this process and of its PostgreSQL backend, and the load average.

    NOEL_BENCH_DB=noel_bench python bench/bench_price_writes.py [SMALL LARGE]   (default 20000 80000)
"""

from __future__ import annotations

import math
import os
import sys
import time
from contextlib import nullcontext
from decimal import Decimal

from common import backend_cpu, setup

SIZES = [int(arg) for arg in sys.argv[1:3]] or [20_000, 80_000]
setup(25_000)

import pgtrigger  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from apps.core.models import Channel  # noqa: E402
from apps.pricing.models import Price, PriceEvent  # noqa: E402
from apps.products.models import Product  # noqa: E402

TRIGGERS = [f"pricing.Price:{name}" for name in ("created_insert", "changed_update", "deleted_delete")]
channels = list(Channel.objects.order_by("code"))
sellable = Product.objects.filter(is_model=False).order_by("pk").values_list("pk", flat=True)
pairs = [(p, c) for p in sellable[: max(SIZES) // len(channels) + 1] for c in channels]
assert len(pairs) >= max(SIZES), f"the bench catalog holds {len(pairs)} product × channel pairs"


def write(rows: int, history: bool) -> tuple[float, float, float, int]:
    """Seconds, process CPU, backend CPU and events written by one bulk insert of `rows` prices."""
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE pricing_price, pricing_priceevent")
    with transaction.atomic():
        with pgtrigger.ignore(*TRIGGERS):
            Price.objects.all().delete()
        events_before = PriceEvent.objects.count()
        wall, cpu, db = time.perf_counter(), time.process_time(), backend_cpu()
        with nullcontext() if history else pgtrigger.ignore(*TRIGGERS):
            Price.objects.bulk_create(
                [
                    Price(product_id=p, channel=c, currency_id=c.currency_id, amount=Decimal(10 + p % 50))
                    for p, c in pairs[:rows]
                ],
                batch_size=10_000,
            )
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        wall, cpu, db_after = time.perf_counter() - wall, time.process_time() - cpu, backend_cpu()
        events = PriceEvent.objects.count() - events_before
        transaction.set_rollback(True)
    return wall, cpu, db_after - db, events


def figure(rows: int, wall: float, cpu: float, db: float) -> str:
    rate = f"{rows / wall:,.0f} rows/s, {wall / rows * 1e6:.0f} µs/row"
    return f"{rate} ({wall:.1f} s, cpu {cpu:.1f}, db {db:.1f})"


per_row: dict[int, tuple[float, float]] = {}
for rows in SIZES:
    wall, cpu, db, events = write(rows, history=True)
    assert events == rows, f"{events} history events for {rows} prices"
    base_wall, base_cpu, base_db, base_events = write(rows, history=False)
    assert base_events == 0, f"{base_events} history events with the triggers off"
    per_row[rows] = (wall / rows, (cpu + (0.0 if math.isnan(db) else db)) / rows)
    print(
        f"bulk price write, {rows} rows: with history {figure(rows, wall, cpu, db)} | "
        f"baseline triggers off {figure(rows, base_wall, base_cpu, base_db)} -> "
        f"history costs {wall / base_wall:.1f}x; load {os.getloadavg()[0]:.1f}"
    )
(small_wall, small_cpu), (large_wall, large_cpu) = (per_row[rows] for rows in SIZES)
print(
    f"cost per row with history, {SIZES[1]} rows against {SIZES[0]}: wall {large_wall / small_wall:.2f}x, "
    f"cpu {large_cpu / small_cpu:.2f}x (flat is 1.0; a scan per row grows with the rows)"
)
