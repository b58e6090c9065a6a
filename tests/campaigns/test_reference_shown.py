"""Where the 30-day reference price shows once a promotion runs: the API, the product's prices in the
admin, the store page, and the crossed-out price of the feeds, which is never above it."""

import xml.etree.ElementTree as ET
from datetime import datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.campaigns import services as campaigns
from apps.channels import services as channel_services
from apps.core.models import Role
from apps.pricing.selectors import prices_at
from apps.products.models import Product
from tests.api_helpers import bearer, token_for
from tests.campaigns.factories import END, PARIS, START, approved
from tests.campaigns.test_reference_prices import day, price_on
from tests.channels.conftest import feeds  # noqa: F401 (the channels' feed fixture)
from tests.channels.helpers import read
from tests.core.factories import UserFactory
from tests.stores.factories import store_staff

G = "{http://base.google.com/ns/1.0}"
RUNNING = datetime(2026, 12, 2, 10, 0, tzinfo=PARIS)


@pytest.fixture
def running(xmas, settings, django_capture_on_commit_callbacks):
    """TOY-1 sold 20 € everywhere since September, raised to 22 € on web a week before a 20 % campaign
    (allowed to start: the guard rail only warns here), now running."""
    settings.NOEL_CAMPAIGN_REFERENCE_PRICE_GUARD = "warning"
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE pricing_priceevent SET pgh_created_at = %s", [datetime(2026, 9, 1, tzinfo=PARIS)]
        )
    with time_machine.travel(day(11, 2), tick=False):
        price_on(xmas, "TOY-1", xmas.web, "22.00", day(11, 24))
        approved(xmas, categories=["plush", "toys"])  # TOY-1 and TOY-2
    with time_machine.travel(RUNNING, tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            campaigns.campaigns_tick()
        yield xmas


def test_prices_at_caps_the_crossed_out_price_at_the_reference(running):
    web = prices_at([running.products["TOY-1"].pk], running.web, RUNNING)[running.products["TOY-1"].pk]
    google = prices_at([running.products["TOY-1"].pk], running.google, RUNNING)[running.products["TOY-1"].pk]

    assert (web.regular, web.amount, web.reference, web.crossed_out) == (
        Decimal("22.0000"), Decimal("17.60"), Decimal("20.0000"), Decimal("20.0000"),
    )  # fmt: skip
    assert (google.regular, google.amount, google.crossed_out) == (
        Decimal("20.0000"), Decimal("16.00"), Decimal("20.0000"),
    )  # fmt: skip
    assert web.on_sale and google.on_sale


def test_the_api_gives_the_reference_price_of_a_promoted_price(client, running):
    erp = bearer(token_for())
    prices = {p["channel"]: p for p in client.get("/api/v1/products/TOY-1", **erp).json()["prices"]}

    assert prices["web"]["price"] == "17.60 EUR" and prices["web"]["regular_price"] == "22.00 EUR"
    assert prices["web"]["reference_price"] == "20.00 EUR"
    assert prices["google"]["reference_price"] == "20.00 EUR"
    outside = {p["channel"]: p for p in client.get("/api/v1/products/DECO-1", **erp).json()["prices"]}
    assert outside["web"]["promotion"] is None and outside["web"]["reference_price"] is None


def test_the_api_list_reads_reference_prices_in_the_same_queries_for_one_or_many(client, running):
    erp = bearer(token_for())
    client.get("/api/v1/products", **erp)  # caches warmed up
    counts = []
    for query in ({"category": "plush"}, {"category": "toys"}):  # TOY-1, then TOY-1 and TOY-2 (promoted)
        with CaptureQueriesContext(connection) as queries:
            body = client.get("/api/v1/products", query, **erp).json()
        counts.append(len(queries))
        assert any(p["reference_price"] for item in body["items"] for p in item["prices"]), body
    assert counts[0] == counts[1] and counts[0] <= 30, counts


def test_the_product_form_shows_the_reference_price(client, running):
    client.force_login(running.merchandiser)
    page = client.get(f"/admin/products/product/{running.products['TOY-1'].pk}/change/").content.decode()

    assert "reference price (30 days)" in page
    assert "€20.00" in page and "€17.60 (XMAS-P1)" in page


def test_the_store_page_shows_the_reference_and_crosses_out_no_higher(client, running):
    client.force_login(store_staff())
    page = client.get("/store/", {"q": "TOY-1"}).content.decode()

    assert "lowest price in the 30 days before: €20.00" in page
    assert "<s>€22.00</s>" not in page and "<s>€20.00</s>" in page


def test_the_google_feed_never_crosses_out_more_than_the_reference(
    feeds,  # noqa: F811
    settings,
    django_capture_on_commit_callbacks,
):
    settings.NOEL_CAMPAIGN_REFERENCE_PRICE_GUARD = "warning"  # let it run, to see what the feed announces
    marketer = UserFactory(username="marion", roles=[Role.MARKETER])
    with time_machine.travel(day(11, 2), tick=False) as clock:
        feeds.sellable("TOY-1", price="20")
        feeds.sellable("TOY-2", price="20")
        with connection.cursor() as cursor:  # sold 20 € since September
            cursor.execute(
                "UPDATE pricing_priceevent SET pgh_created_at = %s", [datetime(2026, 9, 1, tzinfo=PARIS)]
            )
        shop = SimpleNamespace(merchandiser=feeds.shop.merchandiser, products={
            sku: Product.objects.get(sku=sku) for sku in ("TOY-1", "TOY-2")})  # fmt: skip
        price_on(shop, "TOY-1", feeds.shop.google, "24", day(11, 25))  # raised 4 €, then 10 % off: 21.60
        price_on(shop, "TOY-2", feeds.shop.google, "30", day(11, 25))  # raised 10 €, then 40 % off: 18
        campaign = campaigns.campaign_create(
            actor=marketer,
            code="XMAS",
            name="Noël",
            starts_at=START,
            ends_at=END,
            channels=[feeds.shop.google],
        )
        campaigns.promotion_add(
            actor=marketer,
            campaign=campaign,
            code="TOY1",
            benefit="percentage_off",
            value="10",
            skus=["TOY-1"],
        )
        campaigns.promotion_add(
            actor=marketer,
            campaign=campaign,
            code="TOY2",
            benefit="percentage_off",
            value="40",
            skus=["TOY-2"],
        )
        campaigns.campaign_submit(actor=marketer, campaign=campaign)
        campaigns.campaign_approve(actor=feeds.shop.approver, campaign=campaign)

        clock.move_to(datetime(2026, 12, 1, 0, 1, tzinfo=PARIS))
        with django_capture_on_commit_callbacks(execute=True):
            campaigns.campaigns_tick()
        [run] = channel_services.feeds_build_dirty()
        items = {
            item.find(f"{G}id").text: item
            for item in ET.fromstring(read(feeds.google.runs.get(pk=run))).iter("item")
        }

    def shown(sku: str) -> tuple[str, str | None]:
        sale = items[sku].find(f"{G}sale_price")
        return items[sku].find(f"{G}price").text, sale.text if sale is not None else None

    # 21.60 is not below 20, the lowest of the 30 days: no reduction is announced, the price is plain
    assert shown("TOY-1") == ("21.60 EUR", None)
    # 18 is: announced as reduced from 20, not from the 30 it was raised to
    assert shown("TOY-2") == ("20.00 EUR", "18.00 EUR")
