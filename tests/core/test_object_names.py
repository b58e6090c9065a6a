"""Page titles and breadcrumbs name objects by code or name, never by database ids ("170 2 52.0000 EUR"),
and "Recent changes" on the dashboard shows people's changes, not system jobs (#42)."""

import re

from apps.core.selectors import recent_activity
from apps.inventory.models import StockLevel
from apps.inventory.services import StockLine, stock_apply_batch
from apps.pricing.models import EffectivePrice, Price
from apps.pricing.services import effective_prices_recompute, price_set
from apps.products import services
from tests.inventory.factories import LocationFactory
from tests.products.fixtures import texts


def test_prices_and_stock_are_named_by_sku_channel_and_location(shop):
    product = services.product_create(actor=shop.merchandiser, sku="TOY-1", family=shop.toys,
                                      values={"name": texts("Renne")})  # fmt: skip
    price_set(actor=shop.merchandiser, product=product, channel=shop.web, amount="52", cost="20")
    effective_prices_recompute()
    LocationFactory(code="WH", channels=[shop.web])
    stock_apply_batch(actor=None, lines=[StockLine("TOY-1", "WH", quantity=5)])
    assert str(Price.objects.get()) == "TOY-1 · web · €52.00"
    assert str(EffectivePrice.objects.get()) == "TOY-1 · web · €52.00"
    assert str(StockLevel.objects.get()) == "TOY-1 @ WH: 5 on hand, 0 reserved"


def test_the_price_page_title_names_the_product_not_ids(shop, client):
    product = services.product_create(actor=shop.merchandiser, sku="TOY-1", family=shop.toys,
                                      values={"name": texts("Renne")})  # fmt: skip
    price = price_set(actor=shop.merchandiser, product=product, channel=shop.web, amount="52", cost="20")
    client.force_login(shop.merchandiser)
    page = client.get(f"/admin/pricing/price/{price.pk}/change/").content.decode()
    title = re.search(r"<title>(.*?)</title>", page, re.S).group(1)
    assert "TOY-1 · web · €52.00" in title and "52.0000" not in title


def test_recent_changes_show_people_not_system_jobs(shop):
    services.product_create(
        actor=shop.merchandiser, sku="TOY-1", family=shop.toys, values={"name": texts("R")}
    )
    services.category_create(actor=None, code="night_job", labels={})
    shown = [(entry.actor_id, entry.object_code) for entry in recent_activity(limit=10)]
    assert (shop.merchandiser.pk, "TOY-1") in shown
    assert all(actor is not None for actor, _code in shown) and "night_job" not in {c for _a, c in shown}
