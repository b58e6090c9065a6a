"""The channels' panel on the admin home: per feed, live, held back, completeness, last run and its
issues, freshness, price and stock mismatches; for the roles that work on channels."""

from datetime import timedelta

import pytest
import time_machine
from django.test.client import RequestFactory
from django.utils import timezone

from apps.channels import services
from apps.channels.dashboard import channels_panel
from apps.channels.models import Feed, FeedRun
from apps.core.models import Channel, Role
from apps.inventory.services import StockLine, stock_apply_batch
from apps.pricing.services import effective_prices_recompute, price_set
from apps.products.models import Completeness, Product
from tests.admin_helpers import page_queries
from tests.core.factories import UserFactory
from tests.inventory.factories import LocationFactory
from tests.products.factories import ChannelFactory


def panel_for(user):
    request = RequestFactory().get("/admin/")
    request.user = user
    return channels_panel(request)


def cells(blocks, feed: str) -> dict[str, object]:
    table = blocks[0]
    row = next(r for r in table.rows if r[0].text == feed)
    return dict(zip(table.columns, row, strict=True))


@pytest.fixture
def manager(feeds):
    return UserFactory(username="chloe", roles=[Role.CHANNEL_MANAGER])


@pytest.fixture
def built(feeds):
    """GOOD and CHEAP published, NOBRAND held back; CHEAP dearer on the web than on Google."""
    shop = feeds.shop
    feeds.sellable("GOOD")
    cheap = feeds.sellable("CHEAP", price="10")
    feeds.sellable("NOBRAND", brand={})
    price_set(actor=None, product=cheap, channel=shop.web, amount="12")
    effective_prices_recompute()
    run = services.feed_build_start(actor=None, feed=feeds.google)
    return run


def test_each_feed_shows_live_held_back_and_its_last_run_linked_to_its_issues(feeds, built, manager):
    row = cells(panel_for(manager), "google/products.xml")
    assert (row["Live"].text, row["Held back"].text) == (built.published, built.held_back) == (2, 1)
    assert row["Held back"].alert and row["Held back"].link.endswith(f"?run__id__exact={built.pk}")
    assert row["Its issues"].text == built.issues.count() and row["Its issues"].alert
    assert row["Last run"].link == f"/admin/channels/feedrun/{built.pk}/change/"
    assert not row["Last run"].alert and not row["Since last good build"].alert


def test_completeness_is_the_share_of_products_complete_in_every_locale_of_the_channel(feeds, built, manager):
    google = feeds.shop.google
    rows = Completeness.objects.filter(scores__has_key=google.code, product__is_model=False)
    products = rows.count()
    incomplete = rows.filter(incomplete__contains=[google.code]).count()
    expected = round(100 * (products - incomplete) / products, 1)
    row = cells(panel_for(manager), "google/products.xml")
    assert row["Complete"].text == f"{expected:g} %" and incomplete >= 1 and row["Complete"].alert
    assert row["Complete"].link.endswith("?incomplete=google:")


def test_a_price_that_differs_between_two_channels_of_one_currency_is_a_mismatch_on_both(
    feeds, built, manager
):
    web = services.feed_create(
        actor=None, channel=feeds.shop.web, name="shop", format=Feed.Format.JSONL, locale="fr_FR"
    )
    blocks = panel_for(manager)
    assert cells(blocks, "google/products.xml")["Price mismatches"].text == 1  # CHEAP: 10 here, 12 on web
    assert cells(blocks, str(web))["Price mismatches"].text == 1


def test_with_a_majority_only_the_odd_channel_out_is_counted(feeds, built, manager):
    shop = feeds.shop
    market = ChannelFactory(code="market", kind=Channel.Kind.MARKETPLACE)
    for sku, amount in (("CHEAP", "10"), ("GOOD", "20")):
        price_set(actor=None, product=Product.objects.get(sku=sku), channel=market, amount=amount)
    effective_prices_recompute()
    web = services.feed_create(
        actor=None, channel=shop.web, name="shop", format=Feed.Format.JSONL, locale="fr_FR"
    )
    services.feed_create(actor=None, channel=market, name="offers", format=Feed.Format.CSV, locale="fr_FR")
    blocks = panel_for(manager)
    assert cells(blocks, str(web))["Price mismatches"].text == 1  # 12 where the others say 10
    assert cells(blocks, "google/products.xml")["Price mismatches"].text == 0
    assert cells(blocks, "market/offers.csv")["Price mismatches"].text == 0


def test_a_product_sold_out_on_a_channel_but_in_stock_for_another_is_a_stock_mismatch(feeds, built, manager):
    LocationFactory(code="SHOP", channels=[feeds.shop.web])
    stock_apply_batch(
        actor=None, lines=[StockLine("GOOD", "WH", quantity=0), StockLine("GOOD", "SHOP", quantity=3)]
    )
    services.feed_create(
        actor=None, channel=feeds.shop.web, name="shop", format=Feed.Format.JSONL, locale="fr_FR"
    )
    blocks = panel_for(manager)
    assert cells(blocks, "google/products.xml")["Stock mismatches"].text == 1
    assert cells(blocks, "web/shop.jsonl")["Stock mismatches"].text == 0


def test_a_feed_not_rebuilt_for_a_day_or_whose_last_build_failed_is_flagged(feeds, built, manager, settings):
    settings.NOEL_FEED_STALE_HOURS = 24
    with time_machine.travel(timezone.now() + timedelta(hours=25)):
        row = cells(panel_for(manager), "google/products.xml")
    assert row["Since last good build"].alert and row["Since last good build"].text.startswith("1 d")
    failed = FeedRun.objects.create(feed=feeds.google, at=timezone.now())
    services.feed_build_fail(failed.pk, "disk full")
    row = cells(panel_for(manager), "google/products.xml")
    assert row["Last run"].alert and row["Last run"].link.endswith(f"/{failed.pk}/change/")
    assert row["Live"].text == built.published  # the last good file still serves


def test_the_panel_is_for_channel_managers_and_merchandisers_not_marketers(feeds, built):
    assert panel_for(feeds.shop.merchandiser)
    assert panel_for(UserFactory(username="lea", roles=[Role.MARKETER])) == []


def test_a_channel_manager_limited_to_some_channels_sees_only_their_feeds(feeds, built, manager):
    from guardian.shortcuts import assign_perm

    web = services.feed_create(
        actor=None, channel=feeds.shop.web, name="shop", format=Feed.Format.JSONL, locale="fr_FR"
    )
    assign_perm("core.manage_channel", manager, feeds.shop.web)
    names = [row[0].text for row in panel_for(manager)[0].rows]
    assert names == [str(web)]


def test_the_admin_home_costs_the_same_queries_for_one_channel_or_five(client, feeds, built, manager):
    client.force_login(manager)
    one = page_queries(client, "/admin/", 'data-table="channels"')
    for n in range(4):
        channel = ChannelFactory(code=f"extra{n}", kind=Channel.Kind.MARKETPLACE)
        services.feed_create(actor=None, channel=channel, name="f", format=Feed.Format.CSV, locale="fr_FR")
    assert page_queries(client, "/admin/", 'data-table="channels"') == one <= 25
