"""Journeys 3 and 4, "A Christmas campaign in ten minutes" of the README.

3. A marketer plans −20 % on the Toys category for the web shop and the stores from 1 December 00:00, reads
   its review page, previews the web feed at that instant; an approver approves; the clock reaches the
   start and the beat's jobs run (campaigns.tick, then feeds.build_dirty): both channels' feeds carry the
   sale price from the same build, Google (not in the campaign) does not; at the end they switch back.
4. The ERP sets an item to zero through the API; the next build shows it out of stock in every feed, and
   the live campaign's review page flags it ("no stock to sell") on both of its channels.

The test clock is time-machine in this process, which is the web server's (pytest-django's live server
runs in a thread of it): the beat jobs run here at the moved instant, exactly the code beat runs; the feed
runs they start carry that instant, and the real Celery worker builds them at it.
"""

import json
import re
import urllib.request
from datetime import datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
import time_machine
from celery.result import allow_join_result
from playwright.sync_api import expect

from apps.campaigns import services as campaigns
from apps.campaigns.models import Campaign
from apps.campaigns.tasks import campaigns_tick
from apps.channels import services as channels
from apps.channels.models import Feed, FeedRun
from apps.channels.tasks import feeds_build_dirty
from apps.core.models import Channel, Role
from apps.inventory.models import StockLocation
from apps.inventory.services import StockLine, stock_apply_batch
from apps.pricing.services import price_set
from apps.products.models import Attribute
from config.celery import app as celery_app
from tests.api_helpers import token_for
from tests.channels.helpers import read, sellable
from tests.inventory.factories import LocationFactory
from tests.journeys.conftest import screenshot
from tests.journeys.helpers import PASSWORD, choose, list_action, person, wait_for_run, wait_for_runs
from tests.products.factories import AttributeFactory, ChannelFactory
from tests.products.fixtures import build_shop
from tests.workers import celery_workers

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PARIS = ZoneInfo("Europe/Paris")
PLANNING = datetime(2027, 11, 20, 9, 0, tzinfo=PARIS)
START, END = datetime(2027, 12, 1, tzinfo=PARIS), datetime(2027, 12, 26, tzinfo=PARIS)
JUST_AFTER = {"minute": 0, "second": 30}
TOYS = {"REINDEER": "30.00", "SLEDGE": "50.00"}  # regular prices
ON_SALE = {"REINDEER": "24.00 EUR", "SLEDGE": "40.00 EUR"}  # −20 %


def christmas_shop() -> SimpleNamespace:
    """The shop of the tour: two toys sold on the web shop, Google and in the Paris store."""
    shop = build_shop()
    shop.google.base_url = shop.web.base_url = "https://shop.example"
    shop.google.save()
    shop.web.save()
    shop.toys.attributes.add(AttributeFactory(code="main_image", type=Attribute.Type.MEDIA))
    shop.stores = ChannelFactory(code="stores", kind=Channel.Kind.STORE, locales=["fr_FR"])
    LocationFactory(code="WH", channels=[shop.web, shop.google])
    LocationFactory(
        code="PARIS", name="Noël Paris Opéra", kind=StockLocation.Kind.STORE, channels=[shop.stores],
        click_and_collect=True, pickup_sla="same_day",
    )  # fmt: skip
    shop.toys_on_sale = []
    for sku, price in TOYS.items():
        product = sellable(shop, sku, price=price, stock=6)
        price_set(actor=None, product=product, channel=shop.stores, amount=price)
        shop.toys_on_sale.append(product)
    stock_apply_batch(actor=None, lines=[StockLine(sku=sku, location="PARIS", quantity=3) for sku in TOYS])
    shop.feeds = {
        "web": channels.feed_create(actor=None, channel=shop.web, name="catalog", format=Feed.Format.JSONL,
                                    locale="fr_FR"),
        "stores": channels.feed_create(actor=None, channel=shop.stores, name="local-inventory",
                                       format=Feed.Format.GOOGLE_LOCAL, locale="fr_FR"),
        "google": channels.feed_create(actor=None, channel=shop.google, name="products",
                                       format=Feed.Format.GOOGLE, locale="fr_FR"),
    }  # fmt: skip
    return shop


def feed_field(run: FeedRun, name: str) -> dict[str, str]:
    """SKU → one field of each item of a run's file ("" when the item has none), whatever its format."""
    text = read(run)
    if run.feed.format == Feed.Format.JSONL:
        return {item["id"]: item[name] for item in map(json.loads, text.splitlines())}
    found = {}
    for item in re.findall(r"<item>(.*?)</item>", text, re.S):
        value = re.search(rf"<g:{name}>([^<]*)</g:{name}>", item)
        found[re.search(r"<g:id>([^<]*)</g:id>", item).group(1)] = value.group(1) if value else ""
    return found


def beat_at(clock, instant: datetime, *, feeds: int | None) -> dict[str, FeedRun]:
    """The clock reaches `instant`; beat's two jobs run there; the worker builds the feeds marked (`feeds`
    of them, or however many were, for None)."""
    clock.move_to(instant)
    last = FeedRun.objects.order_by("-id").values_list("id", flat=True).first() or 0
    with allow_join_result():  # Celery's global "inside a task" flag: see tests/workers.py
        campaigns_tick.apply().get()
        started = feeds_build_dirty.apply().get()
    assert feeds is None or len(started) == feeds, f"feeds rebuilt: {started}"
    return {run.feed.channel.code: run for run in wait_for_runs(len(started), after=last)}


def test_a_christmas_campaign_changes_every_channel_feed_together_and_switches_back(login, live_server):
    admin = live_server.url + "/admin"
    celery_app.control.purge()
    with (
        time_machine.travel(PLANNING, tick=True) as clock,
        celery_workers(1, celery_app.conf.task_default_queue),
    ):
        shop = christmas_shop()
        beat_at(clock, PLANNING, feeds=3)  # the feeds as they stand, built once
        person("marion.b", Role.MARKETER)
        person("arthur.b", Role.APPROVER)
        marion = login("marion.b", PASSWORD)

        marion.goto(f"{admin}/campaigns/campaign/add/")
        marion.fill("#id_code", "NOEL27")
        marion.fill("#id_name", "Noël 2027")
        marion.fill("#id_starts_at_0", "2027-12-01")
        marion.fill("#id_starts_at_1", "00:00")
        marion.fill("#id_ends_at_0", "2027-12-26")
        marion.fill("#id_ends_at_1", "00:00")
        marion.select_option("#id_channels", [str(shop.web.pk), str(shop.stores.pk)])
        marion.click('button[name="_continue"]')
        expect(marion.locator("body")).to_contain_text("was added successfully")
        campaign = Campaign.objects.get(code="NOEL27")
        assert (campaign.starts_at, campaign.ends_at) == (START, END)

        marion.goto(f"{admin}/campaigns/promotion/add/")
        marion.select_option("#id_campaign", str(campaign.pk))
        marion.fill("#id_code", "TOYS20")
        choose(marion, "categories", "Toys", "Toys")
        marion.select_option("#id_benefit", "percentage_off")
        marion.fill("#id_value", "20")
        marion.click('button[name="_save"]')
        expect(marion.locator("body")).to_contain_text("was added successfully")
        list_action(marion, f"{admin}/campaigns/campaign/", campaign.pk, "submit", "submitted")

        marion.goto(f"{admin}/campaigns/campaign/{campaign.pk}/review/")
        changes = marion.locator("[data-changes] tbody tr")
        expect(changes).to_have_count(4)  # two toys × two channels
        # the admin shows money as people read it (the feeds keep "24.00 EUR")
        expect(marion.locator("[data-changes]")).to_contain_text("€24.00")
        expect(marion.locator("[data-changes]")).to_contain_text("€40.00")

        arthur = login("arthur.b", PASSWORD)
        arthur.goto(f"{admin}/campaigns/campaign/{campaign.pk}/review/")
        arthur.locator('input[name="comment"]').focus()  # by keyboard: Tab from the comment to Approve
        arthur.keyboard.press("Tab")
        expect(arthur.get_by_role("button", name="Approve")).to_be_focused()
        arthur.keyboard.press("Enter")
        expect(arthur.locator("body")).to_contain_text("Decision recorded.")
        campaign.refresh_from_db()
        assert campaign.status in (Campaign.Status.APPROVED, Campaign.Status.SCHEDULED)

        marion.goto(f"{admin}/channels/feed/{shop.feeds['web'].pk}/change/")
        marion.get_by_role("link", name="Preview at a date and time").click()
        marion.fill("#id_at_0", "2027-12-01")
        marion.fill("#id_at_1", "00:00")
        marion.get_by_role("button", name="Build the preview").click()
        preview = wait_for_run(
            marion, f"{admin}/campaigns/campaign/{campaign.pk}/preview/?at=2027-12-01T00:00"
        )
        assert (preview.preview, preview.at, preview.status) == (True, START, "succeeded"), preview.error
        assert feed_field(preview, "sale_price") == ON_SALE
        expect(marion.locator("body")).to_contain_text("24.00")
        screenshot(marion, "journey3-preview")
        # Not yet: the campaign does not start, and a feed rebuilt for another reason (the real worker's
        # own follow-up tasks, e.g. pictures or checks of the set-up, may mark every feed) shows no sale.
        for code, run in beat_at(clock, datetime(2027, 11, 30, 23, 59, tzinfo=PARIS), feeds=None).items():
            assert set(feed_field(run, "sale_price").values()) <= {""}, code
        campaign.refresh_from_db()
        assert campaign.status in (Campaign.Status.APPROVED, Campaign.Status.SCHEDULED)
        live = beat_at(clock, START.replace(**JUST_AFTER), feeds=2)
        campaign.refresh_from_db()
        assert campaign.status == Campaign.Status.LIVE
        assert live.keys() == {"web", "stores"}  # Google is not in the campaign: its feed was not touched
        [instant] = {run.at for run in live.values()}  # both feeds as of one instant, just after the start
        assert START.replace(**JUST_AFTER) <= instant < START.replace(minute=1)
        for code in ("web", "stores"):
            assert feed_field(live[code], "sale_price") == ON_SALE, code
        marion.goto(f"{admin}/channels/feedrun/")
        expect(marion.locator("#result_list")).to_contain_text("local-inventory")
        screenshot(marion, "journey3-live-feed-runs")
        marion.goto(f"{admin}/campaigns/campaign/calendar/?date=2027-12-01")
        expect(marion.locator("body")).to_contain_text("NOEL27")

        ended = beat_at(clock, END.replace(**JUST_AFTER), feeds=2)
        campaign.refresh_from_db()
        assert campaign.status == Campaign.Status.ENDED
        for code in ("web", "stores"):
            assert feed_field(ended[code], "sale_price") == {"REINDEER": "", "SLEDGE": ""}, code
        marion = login("marion.b", PASSWORD)  # 26 December: her session of 20 November has expired
        marion.goto(f"{admin}/campaigns/campaign/")
        expect(marion.locator("#result_list")).to_contain_text("Ended")
        screenshot(marion, "journey3-ended")


def erp_sets_stock(url: str, token: str, lines: list[dict]) -> dict:
    request = urllib.request.Request(
        f"{url}/api/v1/stock/batch",
        data=json.dumps({"lines": lines}).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json",
                 "Idempotency-Key": "erp-sold-out-1"},
        method="POST",
    )  # fmt: skip
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 200
        return json.loads(response.read())


def test_an_item_sold_out_by_the_erp_leaves_every_feed_in_one_build_and_is_flagged_on_the_campaign(
    login, live_server
):
    admin = live_server.url + "/admin"
    celery_app.control.purge()
    worker = celery_workers(1, celery_app.conf.task_default_queue)
    with time_machine.travel(PLANNING, tick=True) as clock, worker:
        shop = christmas_shop()
        marion = person("marion.b", Role.MARKETER)
        campaign = campaigns.campaign_create(
            actor=marion, code="NOEL27", name="Noël 2027", starts_at=START, ends_at=END,
            channels=[shop.web, shop.stores],
        )  # fmt: skip
        campaigns.promotion_add(
            actor=marion, campaign=campaign, code="TOYS20", benefit="percentage_off", value="20",
            categories=["toys"],
        )  # fmt: skip
        campaigns.campaign_submit(actor=marion, campaign=campaign)
        campaigns.campaign_approve(actor=shop.approver, campaign=campaign)
        beat_at(clock, START.replace(**JUST_AFTER), feeds=3)
        campaign.refresh_from_db()
        assert campaign.status == Campaign.Status.LIVE

        token = token_for(username="erp")
        answer = erp_sets_stock(live_server.url, token, [
            {"sku": "REINDEER", "location": "WH", "quantity": 0},
            {"sku": "REINDEER", "location": "PARIS", "quantity": 0},
        ])  # fmt: skip
        assert (answer["applied"], answer["errors"]) == (2, []), answer
        runs = beat_at(clock, START.replace(minute=1), feeds=3)  # the next minute's build, one for each feed
        assert runs.keys() == {"web", "google", "stores"}
        for code, run in runs.items():
            shown = feed_field(run, "availability")
            assert (shown["REINDEER"], shown["SLEDGE"]) == ("out_of_stock", "in_stock"), code

        # The live campaign's review page flags it on both its channels...
        page = login("marion.b", PASSWORD)
        page.goto(f"{admin}/campaigns/campaign/{campaign.pk}/review/")
        findings = page.locator("[data-findings]")
        expect(findings).to_contain_text("REINDEER has no stock to sell on web")
        expect(findings).to_contain_text("REINDEER has no stock to sell on stores")
        expect(findings).not_to_contain_text("SLEDGE has no stock")
        # ...and its readiness view shows it sold out, not in stock on either channel, SLEDGE in stock.
        page.goto(f"{admin}/campaigns/campaign/{campaign.pk}/readiness/?problem=stock")
        table = page.locator("[data-readiness-table]")
        expect(table.locator('[data-sku="REINDEER"] [data-risk]')).to_have_attribute("data-risk", "sold_out")
        for channel in ("web", "stores"):
            stock = table.locator(f'[data-sku="REINDEER"] [data-check="{channel}"] span').nth(2)
            expect(stock).to_have_text("0")
        expect(table.locator('[data-sku="SLEDGE"]')).to_have_count(0)
        screenshot(page, "journey4-sold-out-flagged")
