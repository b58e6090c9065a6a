"""Campaign readiness: per targeted product and channel approved, complete, in stock, picture valid; the
shares; the stock-out risk until the end; the readiness page; and the guard rails reading the same checks."""

from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.assets import services as asset_services
from apps.assets.models import ProductAsset
from apps.campaigns import selectors
from apps.inventory.services import StockLine, stock_apply_batch, stock_sell
from apps.products import services as product_services
from tests.admin_helpers import page_queries
from tests.assets.factories import picture, upload
from tests.campaigns.factories import NOW, plan
from tests.products.fixtures import texts


@pytest.fixture
def ready_shop(xmas, clock):
    """A campaign on toys (TOY-1 and TOY-2) over web and google. TOY-1 is approved, complete on both
    channels, stocked and pictured; TOY-2 is a draft, incomplete on the web, sold out, without picture."""
    toy1 = xmas.products["TOY-1"]
    description = {"fr_FR": {"web": "Un renne", "google": "Un renne"}, "en_GB": {"web": "A reindeer"}}
    toy1 = product_services.product_update(
        actor=xmas.merchandiser, product=toy1, expected_version=toy1.version,
        changes={"values": {"description": description, "name": texts("Renne", "Reindeer")}},
    )  # fmt: skip
    product_services.product_submit(actor=xmas.merchandiser, product=toy1)
    product_services.product_approve(actor=xmas.approver, product=toy1)
    asset_services.product_asset_link(
        actor=None, product=toy1, asset=upload(data=picture(300, 300)), role=ProductAsset.Role.MAIN
    )
    stock_apply_batch(actor=None, lines=[StockLine("TOY-2", "WH", quantity=0)])
    campaign = plan(xmas, categories=["toys"])
    return xmas, campaign


def test_each_product_and_channel_is_checked_and_the_shares_follow(ready_shop):
    shop, campaign = ready_shop
    readiness = selectors.campaign_readiness(campaign, now=NOW)
    toy1, toy2 = shop.products["TOY-1"].pk, shop.products["TOY-2"].pk
    assert [sku for _pid, sku in readiness.products] == ["TOY-1", "TOY-2"]
    web, google = shop.web.pk, shop.google.pk
    assert readiness.checks[(toy1, web)] == selectors.Check(True, 100, 5, True)
    assert readiness.checks[(toy1, google)].ready
    low = readiness.checks[(toy2, web)]
    assert (low.approved, low.complete, low.in_stock, low.image) == (False, False, False, False)
    assert low.completeness == 0  # web requires name and description: en_GB has neither
    assert readiness.checks[(toy2, google)].complete  # google needs name and brand only
    shares = (readiness.ready, readiness.approved, readiness.complete, readiness.in_stock, readiness.images)
    assert shares == (50.0, 50.0, 50.0, 50.0, 50.0)
    assert readiness.counts() == {"approval": 1, "completeness": 1, "stock": 1, "image": 1, "risk": 1}


def test_a_too_small_main_picture_is_not_valid(ready_shop):
    shop, campaign = ready_shop
    toy2 = shop.products["TOY-2"]
    asset_services.product_asset_link(
        actor=None, product=toy2, asset=upload(data=picture(80, 80)), role=ProductAsset.Role.MAIN
    )
    readiness = selectors.campaign_readiness(campaign, now=NOW)
    assert readiness.checks[(toy2.pk, shop.web.pk)].image is False


def test_the_stock_out_risk_runs_to_the_campaign_end_from_recent_sales(ready_shop, clock):
    shop, campaign = ready_shop
    stock_apply_batch(actor=None, lines=[StockLine("TOY-1", "WH", quantity=20)])
    for day in (3, 2, 1):
        clock.move_to(NOW - timedelta(days=day))
        stock_sell(actor=None, sku="TOY-1", location="WH", quantity=2)
    clock.move_to(NOW)
    risk = selectors.campaign_readiness(campaign, now=NOW).risks[shop.products["TOY-1"].pk]
    assert risk.available == 14 and risk.daily[-3:] == (2, 2, 2)
    assert risk.days_left == pytest.approx((campaign.ends_at - NOW).total_seconds() / 86400)
    assert risk.cover_days == pytest.approx(14 / risk.demand) and risk.at_risk == (
        14 / risk.demand < risk.days_left
    )


def test_the_guard_rails_warn_from_the_same_checks(ready_shop):
    _shop, campaign = ready_shop
    impact = selectors.campaign_impact(campaign, now=NOW)
    warned = {(f.rule, f.sku, f.channel) for f in impact.warnings}
    assert ("not_approved", "TOY-2", "") in warned
    assert ("no_stock", "TOY-2", "web") in warned and ("no_stock", "TOY-2", "google") in warned
    assert ("incomplete", "TOY-2", "web") in warned and ("incomplete", "TOY-2", "google") not in warned
    assert not {w for w in warned if w[1] == "TOY-1"}


def test_readiness_of_many_campaigns_costs_the_queries_of_one(ready_shop, xmas):
    shop, campaign = ready_shop

    def count(campaigns) -> int:
        with CaptureQueriesContext(connection) as queries:
            selectors.campaigns_readiness(campaigns, now=NOW)
        return len(queries)

    one = count([campaign])
    others = [plan(shop, code=f"C{n}", categories=["decorations"]) for n in range(3)]
    assert count([campaign, *others]) == one


def test_the_readiness_page_lists_checks_and_risk_and_filters_one_problem(ready_shop, client):
    shop, campaign = ready_shop
    client.force_login(shop.marketer)
    page = client.get(f"/admin/campaigns/campaign/{campaign.pk}/readiness/").content.decode()
    assert 'data-share="ready">50.0 %' in page and 'data-sku="TOY-1"' in page and 'data-sku="TOY-2"' in page
    assert 'data-risk="sold_out"' in page and "α = 0.3" in page
    only = client.get(f"/admin/campaigns/campaign/{campaign.pk}/readiness/?problem=image").content.decode()
    assert 'data-sku="TOY-2"' in only and 'data-sku="TOY-1"' not in only
    change = client.get(f"/admin/campaigns/campaign/{campaign.pk}/change/").content.decode()
    assert f"/admin/campaigns/campaign/{campaign.pk}/readiness/" in change


def test_the_readiness_page_costs_the_same_queries_for_more_products(ready_shop, client):
    shop, campaign = ready_shop
    client.force_login(shop.marketer)
    url = f"/admin/campaigns/campaign/{campaign.pk}/readiness/"
    before = page_queries(client, url)
    with time_machine.travel(NOW, tick=False):
        for n in range(4):
            product_services.product_create(
                actor=shop.merchandiser, sku=f"TOY-X{n}", family=shop.toys, categories=["toys"], values={}
            )
    assert page_queries(client, url) == before
