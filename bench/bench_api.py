"""REST API at 100,000 products: list pages (50 and 200) and details, p95 over 40 requests, query
counts, against a naive baseline that reads each product's completeness, prices and stock one by one.

    python bench/bench_api.py       (target: p95 < 100 ms, a query count that does not grow with the page)
"""

from __future__ import annotations

import base64
import random
import statistics
import time

from common import setup

setup(100_000)

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from apps.core.models import Role, User  # noqa: E402
from apps.core.services import api_token_create  # noqa: E402
from apps.inventory.selectors import available_to_sell  # noqa: E402
from apps.pricing.models import EffectivePrice  # noqa: E402
from apps.products.models import Completeness, Product  # noqa: E402

user = (
    User.objects.filter(groups__name=Role.INTEGRATOR).first()
    or User.objects.filter(is_superuser=True).first()
)
raw = api_token_create(actor=None, user=user, name="bench", scopes=["read"])[1]
client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
skus = list(Product.objects.order_by("?").values_list("sku", flat=True)[:40])


def p95(times: list[float]) -> float:
    return statistics.quantiles(times, n=20)[18]


def timed(url: str, params: dict | None = None) -> tuple[float, int]:
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        response = client.get(url, params or {})
        elapsed = (time.perf_counter() - started) * 1000
    assert response.status_code == 200, (url, response.status_code, response.content[:300])
    return elapsed, len(queries)


def naive_page(limit: int) -> float:
    """What a serializer without prefetching does: a few queries per product."""
    started = time.perf_counter()
    for product in Product.objects.order_by("sku")[:limit]:
        _ = product.family.code
        list(Completeness.objects.filter(product=product))
        list(EffectivePrice.objects.filter(product=product))
        available_to_sell([product.pk])
    return (time.perf_counter() - started) * 1000


rng = random.Random(5)
cursor_skus = sorted(rng.sample(list(Product.objects.values_list("sku", flat=True)[:100_000:97]), 40))
for limit in (50, 200):
    times, counts = [], set()
    for sku in cursor_skus:
        cursor = base64.urlsafe_b64encode(sku.encode()).decode()
        elapsed, count = timed("/api/v1/products", {"limit": limit, "cursor": cursor})
        times.append(elapsed)
        counts.add(count)
    naive = statistics.median(naive_page(limit) for _ in range(3))
    median = statistics.median(times)
    print(
        f"api list, 100000 products, limit {limit}: p95 {p95(times):.0f} ms, median {median:.0f} ms, "
        f"queries {sorted(counts)} | baseline per-product reads {naive:.0f} ms -> {naive / median:.1f}x"
    )
times, counts = [], set()
for sku in skus:
    elapsed, count = timed(f"/api/v1/products/{sku}")
    times.append(elapsed)
    counts.add(count)
print(
    f"api detail, 100000 products: p95 {p95(times):.0f} ms, median {statistics.median(times):.0f} ms, "
    f"queries {sorted(counts)} (target p95 < 100 ms)"
)
