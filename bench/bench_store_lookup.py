"""Store page: a GTIN scan at 100,000 products and 50 stores, answered as store staff see it (the scan
request, answered with the product page), against a naive card that asks each store and channel one by one.

    python bench/bench_store_lookup.py       (target: < 50 ms, a query count that does not grow with stores)
"""

from __future__ import annotations

import os
import random
import statistics
import time

from common import setup

setup(100_000, database="noel_bench_store")

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from apps.core.models import Channel, Role, User  # noqa: E402
from apps.inventory.models import StockLevel, StockLocation  # noqa: E402
from apps.inventory.selectors import available_to_sell  # noqa: E402
from apps.pricing.selectors import prices_at  # noqa: E402
from apps.products.models import Product  # noqa: E402
from apps.stores import selectors  # noqa: E402

STORES = 50
STOCKED = 4_000  # products with a stock line in every store: 200,000 levels
rng = random.Random(17)


def stores_ensure() -> list[StockLocation]:
    """50 stores across France serving the stores channel, each stocking the same 4,000 products."""
    channel = Channel.objects.filter(kind=Channel.Kind.STORE).first()
    made = []
    for n in range(STORES):
        store, created = StockLocation.objects.get_or_create(
            code=f"BENCH-{n:02d}",
            defaults={
                "name": f"Bench store {n:02d}",
                "kind": StockLocation.Kind.STORE,
                "latitude": f"{43 + rng.random() * 7:.6f}",
                "longitude": f"{-1 + rng.random() * 8:.6f}",
                "click_and_collect": n % 2 == 0,
                "pickup_sla": "same_day" if n % 2 == 0 else "",
            },
        )
        if created and channel:
            store.channels.add(channel)
        made.append(store)
    stocked = list(
        Product.objects.filter(is_model=False, gtin__isnull=False).order_by("pk").values_list("pk", flat=True)
    )[:STOCKED]
    StockLevel.objects.bulk_create(
        [
            StockLevel(product_id=pk, location=store, on_hand=rng.randint(0, 9), reserved=rng.randint(0, 2))
            for store in made
            for pk in stocked
        ],
        batch_size=5_000,
        ignore_conflicts=True,
    )
    return made


def naive_card(gtin: str) -> None:
    """What a page written without thinking does: one query per store, and per channel."""
    product = Product.objects.get(gtin=gtin)
    for location in StockLocation.objects.filter(is_active=True):
        level = StockLevel.objects.filter(product=product, location=location).first()
        _ = max(0, level.on_hand - level.reserved) if level else 0
    now = timezone.now()
    for channel in Channel.objects.filter(is_active=True):
        prices_at([product.pk], channel, now)
        available_to_sell([product.pk], [channel.code])


started = time.perf_counter()
stores = stores_ensure()
stores_total = StockLocation.objects.filter(kind=StockLocation.Kind.STORE).count()
ready = time.perf_counter() - started
print(f"{stores_total} stores, {StockLevel.objects.count()} stock levels ready in {ready:.0f} s")
staff = User.objects.filter(groups__name=Role.STORE_STAFF, is_staff=False).first()
assert staff is not None and staff.has_perm("stores.use_store_page"), "the demo store staff login is missing"
client = Client()
client.force_login(staff)
client.post("/store/choose/", {"store": stores[0].code})
stocked_gtins = Product.objects.filter(is_model=False, gtin__isnull=False).order_by("pk")
gtins = sorted(rng.sample(list(stocked_gtins.values_list("gtin", flat=True)[:STOCKED]), 40))


def scan(gtin: str) -> tuple[float, int]:
    """A scan (digits and Enter): one request, answered with the product page."""
    with CaptureQueriesContext(connection) as queries:
        began = time.perf_counter()
        response = client.get("/store/", {"q": gtin})
        elapsed = (time.perf_counter() - began) * 1000
    assert response.status_code == 200 and b"data-canonical" in response.content, (gtin, response.status_code)
    return elapsed, len(queries)


for gtin in gtins[:5]:  # warm the connection and the caches
    scan(gtin)
times, counts = [], set()
for gtin in gtins:
    elapsed, count = scan(gtin)
    times.append(elapsed)
    counts.add(count)
naive, data = [], []  # like for like: the data of one card, without the request and the HTML
here = stores[0]
for gtin in gtins:
    began = time.perf_counter()
    naive_card(gtin)
    middle = time.perf_counter()
    selectors.product_card(
        selectors.lookup(gtin, locale="fr_FR").exact, here=here, locale="fr_FR", at=timezone.now()
    )
    data.append((time.perf_counter() - middle) * 1000)
    naive.append((middle - began) * 1000)


def p95(times: list[float]) -> float:
    return statistics.quantiles(times, n=20)[18]


floor = []  # the machine's state during this run: as many bare round trips as the lookup makes
for _ in range(20):
    began = time.perf_counter()
    with connection.cursor() as cursor:
        for _ in range(max(counts)):
            cursor.execute("SELECT 1")
    floor.append((time.perf_counter() - began) * 1000)
median, baseline = statistics.median(times), statistics.median(naive)
print(
    f"store GTIN lookup, 100000 products, {stores_total} stores: median {median:.1f} ms, "
    f"p95 {p95(times):.1f} ms, "
    f"queries {sorted(counts)} (target < 50 ms) | card data {statistics.median(data):.1f} ms vs baseline "
    f"per-store ORM loop {baseline:.1f} ms -> {baseline / statistics.median(data):.1f}x; "
    f"{max(counts)} bare SELECT 1 take {statistics.median(floor):.1f} ms now, "
    f"load average {os.getloadavg()[0]:.1f}"
)
