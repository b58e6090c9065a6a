"""Flat CSV export of the whole catalog (Noel's format: header, escaping, one column per value) against a
raw PostgreSQL `COPY … TO STDOUT (FORMAT csv)` of the same product rows (no flattening: the limit), and
the same file through the API (`GET /api/v1/products/export`).

    NOEL_BENCH_DB=bench_noel_importperf python bench/bench_export.py     (100,000 products; ≥ 20,000 rows/s)
"""

from __future__ import annotations

import os
import time

from bench_import import N_SEEDED
from common import backend_cpu, own_peak_mb, peak_from_now, setup


def timed(run) -> tuple[int, float, float, float]:
    """Rows, wall seconds, Python CPU seconds, PostgreSQL CPU seconds."""
    started, python, server = time.perf_counter(), time.process_time(), backend_cpu()
    count = run()
    return count, time.perf_counter() - started, time.process_time() - python, backend_cpu() - server


def noel_export(limit: int | None = None) -> int:
    from apps.products import flat
    from apps.products.models import Product

    products = Product.objects.all()
    if limit is not None:
        products = products.filter(sku__lte=products.order_by("sku").values_list("sku", flat=True)[limit - 1])
    count = -1
    with open(os.devnull, "w") as sink:
        for line in flat.csv_lines(products.order_by("sku")):
            sink.write(line)
            count += 1
    return count


def api_export() -> int:
    """The same file through `GET /api/v1/products/export` (authentication, filters, streaming)."""
    from django.test import Client

    from apps.core.models import User
    from apps.core.services import api_token_create

    admin = User.objects.filter(is_superuser=True).order_by("pk").first()
    raw = api_token_create(actor=None, user=admin, name="bench export", scopes=["read"])[1]
    response = Client(HTTP_AUTHORIZATION=f"Bearer {raw}").get("/api/v1/products/export")
    assert response.status_code == 200, response.status_code
    return sum(chunk.count(b"\n") for chunk in response.streaming_content) - 1


def raw_copy() -> int:
    from django.db import connection

    from apps.products.models import Product

    fields = ("sku", "family__code", "categories", "enabled", "parent__sku", "family_variant__code", "gtin")
    fields += ("values", "associations")
    sql, params = Product.objects.order_by("sku").values_list(*fields).query.sql_with_params()
    with connection.cursor() as cursor, cursor.copy(f"COPY ({sql}) TO STDOUT (FORMAT csv)", params) as copy:
        for _block in copy:
            pass
    return Product.objects.count()


if __name__ == "__main__":
    setup(N_SEEDED)
    held = peak_from_now()
    noel_export(10_000)
    at_10k = own_peak_mb()
    peak_from_now()
    figures = {
        name: timed(run)
        for name, run in (("raw COPY", raw_copy), ("export", noel_export), ("API export", api_export))
    }
    at_n = own_peak_mb()
    for name, (count, wall, python, server) in figures.items():
        print(
            f"{name}: {count / wall:,.0f} rows/s ({count:,} products, {wall:.1f} s; "
            f"CPU: Python {python:.1f} s, PostgreSQL {server:.1f} s)"
        )
    print(
        f"export is {100 * figures['raw COPY'][1] / figures['export'][1]:.0f} % of the raw COPY's rate; "
        f"peak memory {at_10k:.0f} MB exporting 10,000 products, {at_n:.0f} MB exporting "
        f"{figures['export'][0]:,} (the process held {held:.0f} MB after seeding); "
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    )
