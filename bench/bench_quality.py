"""The nightly data-quality run over the bench catalog (default 100,000 products, every rule, chunks of
NOEL_QUALITY_CHUNK), against checking products one at a time (each its own batch: what an on-change
re-check of a single product costs) on a sample, extrapolated to the catalog, in the same run.

    python bench/bench_quality.py [PRODUCTS]      (target: < 10 minutes for 100,000 on 2 cores)
"""

from __future__ import annotations

import os
import resource
import sys
import time

from common import setup

PRODUCTS = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
SAMPLE = 200
setup(PRODUCTS, database="noel_bench_quality")

from django.db import connection, transaction  # noqa: E402

from apps.products.models import Product  # noqa: E402
from apps.quality import services  # noqa: E402
from apps.quality.models import Finding  # noqa: E402


def prepare() -> None:
    """Set-up, not measured: a base price with a cost on web and Google for every sellable product (the
    demo leaves prices out above 5,000 products), one in fifty ten times too high on Google. Written
    without triggers (no history rows: these prices have no past), which made the insert take minutes."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(
            """
            INSERT INTO pricing_price (product_id, channel_id, currency, amount, cost, updated_at)
            SELECT p.id, c.id, c.currency_id,
                   CASE WHEN c.code = 'google' AND p.id %% %s = 0 THEN 199.00 ELSE 19.90 END, 9.00, now()
            FROM products_product p CROSS JOIN core_channel c
            WHERE NOT p.is_model AND c.code IN ('web', 'google')
            ON CONFLICT DO NOTHING
            """,
            [50],
        )


def cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def timed(label: str, work):
    load = os.getloadavg()[0]
    wall, started = time.perf_counter(), cpu()
    result = work()
    wall, used = time.perf_counter() - wall, cpu() - started
    print(f"{label}: {wall:.1f} s wall, {used:.1f} s Python CPU, load {load:.1f}")
    return result, wall


prepare()
count = Product.objects.count()
report, nightly = timed(f"nightly run, {count:,} products", services.quality_check_catalog)
print(
    f"  {report.products / nightly:,.0f} products/s; opened {report.opened:,}, resolved {report.resolved:,}; "
    f"open findings {Finding.objects.filter(resolved_at__isnull=True).count():,}"
)
sample = list(Product.objects.order_by("?").values_list("pk", flat=True)[:SAMPLE])
_none, loop = timed(
    f"baseline: one product per check, {SAMPLE} products",
    lambda: [services.quality_check(product_ids=[pid], audit=False) for pid in sample],
)
estimate = loop / SAMPLE * count
print(
    f"quality nightly: {nightly:.0f} s for {count:,} products (target < 600 s); one product per check, "
    f"extrapolated: {estimate:.0f} s; {estimate / nightly:.1f}x"
)
