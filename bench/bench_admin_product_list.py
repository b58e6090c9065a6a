"""Admin product list at scale: Noel's changelist against Django's default ModelAdmin on the same data.

    python bench/bench_admin_product_list.py [PRODUCTS]      (default 100000; `make bench` runs it)

Prints, per filter, the median time of 5 requests and the query count, for Noel and for the baseline
(the same theme's ModelAdmin left at its defaults: full result count, icontains search). Noel's list shows
its default columns: picture, prices and stock per channel, completeness.
"""

from __future__ import annotations

import statistics
import sys
import time

from common import setup

PRODUCTS = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
setup(PRODUCTS)

from django.contrib import admin  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client, override_settings  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import include, path  # noqa: E402
from unfold.admin import ModelAdmin  # noqa: E402
from unfold.sites import UnfoldAdminSite  # noqa: E402

from apps.core.models import User  # noqa: E402
from apps.products.models import Product  # noqa: E402


def fill_prices_and_stock() -> None:
    """The demo at this size has no prices nor stock: give every sellable product a price on every channel
    (two price points, so that channels differ) and stock at the warehouse (some sold out, some low) and
    at a store, once, so that the list's price and stock columns and filters are measured on real rows."""
    from apps.pricing.models import Price

    if Price.objects.exists():
        return
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            """INSERT INTO pricing_price (product_id, channel_id, currency, amount, updated_at)
               SELECT p.id, c.id, c.currency_id,
                      5 + (p.id % 60) + CASE WHEN c.code = 'stores' THEN 1 ELSE 0 END + 0.9, now()
               FROM products_product p CROSS JOIN core_channel c WHERE NOT p.is_model"""
        )
        cursor.execute(
            """INSERT INTO inventory_stocklevel (product_id, location_id, on_hand, reserved, updated_at)
               SELECT p.id, l.id, CASE WHEN l.kind = 'warehouse' THEN (p.id * 7) % 40 ELSE p.id % 5 END,
                      0, now()
               FROM products_product p CROSS JOIN inventory_stocklocation l
               WHERE NOT p.is_model AND (l.kind = 'warehouse' OR p.id % 3 = 0)"""
        )
        cursor.execute("ANALYZE pricing_price; ANALYZE inventory_stocklevel")
    print(f"prices and stock filled in {time.perf_counter() - started:.0f} s")


fill_prices_and_stock()
baseline_site = UnfoldAdminSite(name="baseline")


class DefaultProductAdmin(ModelAdmin):
    list_display = ("sku", "family", "status", "enabled", "updated_at")
    list_filter = ("status", "family", "enabled")
    search_fields = ("sku", "gtin", "search_text")


baseline_site.register(Product, DefaultProductAdmin)


class urls:  # a stand-in for a URLconf module
    urlpatterns = [
        path("admin/", admin.site.urls),
        path("baseline/", baseline_site.urls),
        path("", include("config.urls")),
    ]


FILTERS = {
    "no filter": "",
    "search name": "?q=renne",
    "search sku": "?q=TOY-00012",
    "status": "?status__exact=draft",
    "family": "?family__id__exact=1",
    "category subtree": "?category=toys",
    "incomplete google fr_FR": "?incomplete=google:fr_FR",
    "missing image": "?image=missing",
    "page 20": "?p=20",
    "brand": "?brand=lutin",
    "price 10-20": "?price_from=10&price_to=20",
    "in stock": "?stock=in",
    "low stock": "?stock=low",
    "out of stock": "?stock=out",
    "updated 7 days": "?updated=7",
    "brand, price, stock": "?brand=lutin&price_from=10&price_to=20&stock=in",
}
BASELINE = {
    "no filter": "",
    "search name": "?q=renne",
    "search sku": "?q=TOY-00012",
    "status": "?status__exact=draft",
    "page 20": "?p=20",
}


def measure(client: Client, url: str) -> tuple[float, int]:
    client.get(url)
    times = []
    for _ in range(5):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return statistics.median(times), len(queries)


with override_settings(ROOT_URLCONF=urls, DEBUG=False):
    client = Client()
    client.force_login(User.objects.filter(is_superuser=True).first())
    worst = 0.0
    for name, query in FILTERS.items():
        noel_ms, noel_q = measure(client, "/admin/products/product/" + query)
        worst = max(worst, noel_ms)
        line = (
            f"admin product list, {PRODUCTS} products, {name:<24} noel {noel_ms:7.1f} ms {noel_q:3d} queries"
        )
        if name in BASELINE:
            base_ms, base_q = measure(client, "/baseline/products/product/" + BASELINE[name])
            line += f" | baseline ModelAdmin {base_ms:7.1f} ms {base_q:3d} queries ({base_ms / noel_ms:.1f}x)"
        print(line)
    print(f"admin product list: worst filter {worst:.0f} ms (target < 300 ms, <= 20 queries)")
