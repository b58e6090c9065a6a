"""Google's promotions feed: the approved campaigns' promotions and shared codes, each checked against
Google's rules and held back with its reason, linked to the product feed by the same promotion ids,
previewed at any instant and pulled with the channel's token."""

import xml.etree.ElementTree as ET
from datetime import datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from guardian.shortcuts import assign_perm

from apps.campaigns import services as campaigns
from apps.campaigns.models import Coupon, Promotion
from apps.channels import selectors, services
from apps.channels.models import Feed, FeedIssue, FeedRun
from apps.core.models import Role
from apps.pricing.services import price_set
from apps.products.models import Product
from tests.channels.helpers import read
from tests.core.factories import UserFactory

PARIS = ZoneInfo("Europe/Paris")
G = "{http://base.google.com/ns/1.0}"
TODAY = datetime(2026, 11, 20, 9, tzinfo=PARIS)
START, END = datetime(2026, 12, 1, tzinfo=PARIS), datetime(2026, 12, 26, tzinfo=PARIS)
DATES = "2026-12-01T00:00+01:00/2026-12-26T00:00+01:00"


@pytest.fixture
def clock():
    with time_machine.travel(TODAY, tick=False) as traveller:
        yield traveller


@pytest.fixture
def xmas(feeds, clock):
    """A Christmas campaign like the demo's, on Google: 20 % off two toys, 5 € off a third, a code shared
    by every customer tied to the 20 %, and a batch of single-use codes; TOY-4 in no promotion."""
    for sku in ("TOY-1", "TOY-2", "TOY-3", "TOY-4"):
        feeds.sellable(sku, price="20")
    marketer = UserFactory(username="marion", roles=[Role.MARKETER])
    campaign = campaigns.campaign_create(
        actor=marketer, code="XMAS", name="Noël", starts_at=START, ends_at=END, channels=[feeds.shop.google]
    )
    toys = campaigns.promotion_add(
        actor=marketer, campaign=campaign, code="XMAS-TOYS", name="Jouets −20 %", skus=["TOY-1", "TOY-2"],
        benefit="percentage_off", value="20", priority=10,
    )  # fmt: skip
    campaigns.promotion_add(
        actor=marketer, campaign=campaign, code="XMAS-MORE", name="5 € de moins", skus=["TOY-3"],
        benefit="amount_off", value="5", currency="EUR",
    )  # fmt: skip
    campaigns.coupon_create(
        actor=marketer, campaign=campaign, code="NOEL10", usage_limit=1000, promotion=toys
    )
    campaigns.coupons_generate(actor=marketer, campaign=campaign, count=3, prefix="XM-")
    promotions = services.feed_create(
        actor=None, channel=feeds.shop.google, name="promotions", format=Feed.Format.GOOGLE_PROMOTIONS,
        locale="fr_FR",
    )  # fmt: skip
    return SimpleNamespace(
        feeds=feeds, campaign=campaign, marketer=marketer, promotions=promotions, toys=toys, clock=clock
    )


def approve(xmas) -> None:
    campaigns.campaign_submit(actor=xmas.marketer, campaign=xmas.campaign)
    campaigns.campaign_approve(actor=xmas.feeds.shop.approver, campaign=xmas.campaign)


def entries(run: FeedRun) -> dict[str, dict[str, str]]:
    """promotion_id → its fields (a repeated field's values joined by commas), read from the file."""
    result = {}
    for item in ET.fromstring(read(run)).iter("item"):
        fields: dict[str, str] = {}
        for child in item:
            name = child.tag.removeprefix(G)
            fields[name] = f"{fields[name]},{child.text}" if name in fields else child.text
        result[fields.get("id") or fields["promotion_id"]] = fields
    return result


def held(run: FeedRun) -> list[tuple[str, str, str, str]]:
    return list(FeedIssue.objects.filter(run=run).values_list("sku", "field", "rule", "message"))


def test_the_christmas_campaign_becomes_one_google_promotion_per_promotion_and_shared_code(xmas):
    approve(xmas)
    run = services.feed_build_start(actor=None, feed=xmas.promotions)
    assert (run.status, run.items, run.published, run.held_back) == ("succeeded", 3, 3, 0)
    found = entries(run)
    assert found["XMAS-TOYS"] == {
        "promotion_id": "XMAS-TOYS",
        "product_applicability": "specific_products",
        "offer_type": "no_code",
        "long_title": "Jouets −20 %",
        "promotion_effective_dates": DATES,
        "redemption_channel": "online",
        "promotion_destination": "Shopping_ads,Free_listings",
        "percent_off": "20",
        "target_country": "FR",
        "content_language": "fr",
    }
    assert found["XMAS-MORE"]["money_off_amount"] == "5.00 EUR" and "percent_off" not in found["XMAS-MORE"]
    code = found["NOEL10"]
    assert (code["offer_type"], code["generic_redemption_code"], code["percent_off"]) == (
        "generic_code", "NOEL10", "20"
    )  # fmt: skip
    assert not any(key.startswith("XM-") for key in found), "single-use codes are not Google's"
    xmas.promotions.refresh_from_db()
    assert xmas.promotions.current_run == run


def test_a_draft_campaign_is_not_announced_and_its_approval_makes_the_feed_due(
    xmas, django_capture_on_commit_callbacks
):
    run = services.feed_build_start(actor=None, feed=xmas.promotions)
    assert (run.items, run.published) == (0, 0) and not run.warning
    with django_capture_on_commit_callbacks(execute=True):
        approve(xmas)
    xmas.promotions.refresh_from_db()
    xmas.feeds.google.refresh_from_db()
    assert xmas.promotions.dirty and xmas.feeds.google.dirty


def test_a_price_change_rebuilds_the_product_feed_not_the_promotions_feed(
    xmas, django_capture_on_commit_callbacks
):
    approve(xmas)
    for feed in (xmas.promotions, xmas.feeds.google):
        services.feed_build_start(actor=None, feed=feed)
    with django_capture_on_commit_callbacks(execute=True):
        price_set(
            actor=None, product=Product.objects.get(sku="TOY-4"), channel=xmas.feeds.shop.google, amount="25"
        )
    xmas.promotions.refresh_from_db()
    xmas.feeds.google.refresh_from_db()
    assert xmas.feeds.google.dirty and not xmas.promotions.dirty


def test_the_product_feed_carries_the_ids_the_promotions_feed_publishes(xmas):
    approve(xmas)
    promotions = entries(services.feed_build_start(actor=None, feed=xmas.promotions))
    products = entries(services.feed_build_start(actor=None, feed=xmas.feeds.google))
    carried = {sku: set(item.get("promotion_id", "").split(",")) - {""} for sku, item in products.items()}
    assert carried == {
        "TOY-1": {"XMAS-TOYS", "NOEL10"},
        "TOY-2": {"XMAS-TOYS", "NOEL10"},
        "TOY-3": {"XMAS-MORE"},
        "TOY-4": set(),
    }
    specific = {
        pid for pid, item in promotions.items() if item["product_applicability"] == "specific_products"
    }
    assert set().union(*carried.values()) == specific


def test_the_product_feed_does_not_name_a_promotion_the_promotions_feed_holds_back(xmas):
    approve(xmas)
    Promotion.objects.filter(code="XMAS-MORE").update(name="Cinq euros de moins " * 5)
    held_back = services.feed_build_start(actor=None, feed=xmas.promotions)
    assert [issue[0] for issue in held(held_back)] == ["XMAS-MORE"]
    products = entries(services.feed_build_start(actor=None, feed=xmas.feeds.google))
    assert "promotion_id" not in products["TOY-3"] and products["TOY-1"]["promotion_id"] == "XMAS-TOYS,NOEL10"


def test_the_product_feed_names_each_promotion_in_its_own_element(xmas):
    approve(xmas)
    text = read(services.feed_build_start(actor=None, feed=xmas.feeds.google))
    assert "<g:promotion_id>XMAS-TOYS</g:promotion_id><g:promotion_id>NOEL10</g:promotion_id>" in text


def test_a_preview_before_the_start_announces_the_promotion_and_after_the_end_nothing(xmas):
    approve(xmas)
    before = services.feed_build_start(
        actor=None, feed=xmas.promotions, at=START - timedelta(days=1), preview=True
    )
    during = services.feed_build_start(
        actor=None, feed=xmas.promotions, at=START + timedelta(days=1), preview=True
    )
    after = services.feed_build_start(actor=None, feed=xmas.promotions, at=END, preview=True)
    assert entries(before) == entries(during) and set(entries(before)) == {"XMAS-TOYS", "XMAS-MORE", "NOEL10"}
    assert (after.items, after.published) == (0, 0)
    xmas.promotions.refresh_from_db()
    assert xmas.promotions.current_run is None, "a preview is never served"


def test_the_product_feed_carries_the_id_before_the_start_and_the_sale_price_from_it(xmas):
    approve(xmas)
    google = xmas.feeds.google
    before = entries(
        services.feed_build_start(actor=None, feed=google, at=START - timedelta(hours=1), preview=True)
    )
    during = entries(
        services.feed_build_start(actor=None, feed=google, at=START + timedelta(hours=1), preview=True)
    )
    assert before["TOY-1"]["promotion_id"] == during["TOY-1"]["promotion_id"] == "XMAS-TOYS,NOEL10"
    assert "sale_price" not in before["TOY-1"] and during["TOY-1"]["sale_price"] == "16.00 EUR"


def test_a_preview_may_show_a_submitted_campaign_and_a_build_never_does(xmas):
    campaigns.campaign_submit(actor=xmas.marketer, campaign=xmas.campaign)
    preview = services.feed_build_start(
        actor=None, feed=xmas.promotions, at=START, preview=True, include_awaiting_approval=True
    )
    assert set(entries(preview)) == {"XMAS-TOYS", "XMAS-MORE", "NOEL10"}
    assert services.feed_build_start(actor=None, feed=xmas.promotions).items == 0


def _long_title(xmas):
    Promotion.objects.filter(code="XMAS-MORE").update(name="Cinq euros de moins " * 5)
    return (
        "XMAS-MORE",
        "long_title",
        "long_title_length",
        "long_title has 100 characters; the channel accepts at most 60",
    )


def _fixed_price(xmas):
    Promotion.objects.filter(code="XMAS-MORE").update(benefit="fixed_price", value=9)
    return (
        "XMAS-MORE", "percent_off", "discount",
        "a fixed price has no form in Google's promotions; the product feed's sale_price announces it",
    )  # fmt: skip


def _fraction(xmas):
    Promotion.objects.filter(code="XMAS-MORE").update(benefit="percentage_off", value="12.5")
    return (
        "XMAS-MORE", "percent_off", "discount",
        "percent_off 12.5 is not a whole percentage from 1 to 100, as Google requires",
    )  # fmt: skip


def _code_with_spaces(xmas):
    Coupon.objects.filter(code="NOEL10").update(code="NOEL 10")  # written around the services
    return (
        ("NOEL 10", "generic_redemption_code", "generic_redemption_code",
         "generic_redemption_code 'NOEL 10' contains a space; Google takes codes without spaces"),
        ("NOEL 10", "promotion_id", "promotion_id_format",
         "promotion_id 'NOEL 10' may hold only letters, digits, - and _ (no spaces)"),
    )  # fmt: skip


def _long_code(xmas):
    Coupon.objects.filter(code="NOEL10").update(code="NOEL-CHRISTMAS-2026-TOYS")
    return (
        "NOEL-CHRISTMAS-2026-TOYS", "generic_redemption_code", "generic_redemption_code",
        "generic_redemption_code 'NOEL-CHRISTMAS-2026-TOYS' has 24 characters; Google accepts at most 20",
    )  # fmt: skip


def _code_without_promotion(xmas):
    Coupon.objects.filter(code="NOEL10").update(promotion=None)
    return (
        "NOEL10", "percent_off", "discount",
        "the code NOEL10 is tied to no promotion, so Noel does not know its discount: link it to a promotion "
        "to announce it (Google needs percent_off or money_off_amount)",
    )  # fmt: skip


def _code_ended(xmas):
    Coupon.objects.filter(code="NOEL10").update(
        valid_from=datetime(2026, 11, 1, tzinfo=PARIS), valid_until=datetime(2026, 11, 19, tzinfo=PARIS)
    )
    return (
        "NOEL10", "promotion_effective_dates", "promotion_period",
        "the promotion ended on 2026-11-19T00:00+01:00; Google takes only promotions ending in the future",
    )  # fmt: skip


def _same_id_twice(xmas):
    Coupon.objects.filter(code="NOEL10").update(code="XMAS-TOYS")
    return (
        "XMAS-TOYS", "promotion_id", "promotion_id_unique",
        "promotion_id XMAS-TOYS is already the id of a promotion of campaign XMAS in this feed",
    )  # fmt: skip


@pytest.mark.parametrize(
    "spoil",
    [_long_title, _fixed_price, _fraction, _code_with_spaces, _long_code, _code_without_promotion,
     _code_ended, _same_id_twice],
    ids=lambda f: f.__name__.strip("_"),
)  # fmt: skip
def test_each_google_rule_holds_back_only_the_promotion_breaking_it_with_its_reason(xmas, spoil):
    approve(xmas)
    issues = spoil(xmas)
    issues = list(issues) if isinstance(issues[0], tuple) else [issues]
    run = services.feed_build_start(actor=None, feed=xmas.promotions)
    assert held(run) == issues
    assert (run.items, run.published, run.held_back) == (3, 2, 1)
    assert issues[0][0] not in entries(run) or issues[0][0] == "XMAS-TOYS"  # the same id twice: one stays


def test_a_campaign_of_200_days_is_held_back_for_google_s_six_months(feeds, clock):
    feeds.sellable("TOY-1")
    marketer = UserFactory(username="marion", roles=[Role.MARKETER])
    campaign = campaigns.campaign_create(
        actor=marketer, code="LONG", name="Toute l'année", starts_at=START,
        ends_at=START + timedelta(days=200), channels=[feeds.shop.google],
    )  # fmt: skip
    campaigns.promotion_add(
        actor=marketer,
        campaign=campaign,
        code="LONG-TOYS",
        skus=["TOY-1"],
        benefit="percentage_off",
        value="10",
    )
    campaigns.campaign_submit(actor=marketer, campaign=campaign)
    campaigns.campaign_approve(actor=feeds.shop.approver, campaign=campaign)
    feed = services.feed_create(
        actor=None, channel=feeds.shop.google, name="promotions", format=Feed.Format.GOOGLE_PROMOTIONS,
        locale="fr_FR",
    )  # fmt: skip
    run = services.feed_build_start(actor=None, feed=feed)
    [(sku, field, rule, message)] = held(run)
    assert (sku, field, rule, run.published) == (
        "LONG-TOYS",
        "promotion_effective_dates",
        "promotion_period",
        0,
    )
    assert message == (
        "the promotion lasts 200 days (2026-12-01T00:00+01:00/2027-06-19T00:00+02:00); "
        "Google accepts at most 183 days"
    )
    assert run.warning["code"] == "none_published" and run.warning["reason"] == message


def test_a_code_with_spaces_is_refused_when_it_is_typed(xmas):
    with pytest.raises(ValidationError, match="letters, digits, - and _ only"):
        campaigns.coupon_create(actor=xmas.marketer, campaign=xmas.campaign, code="NOEL 20")


def test_the_channel_pulls_its_promotions_with_its_token_and_no_other_channel_s(client, xmas):
    approve(xmas)
    run = services.feed_build_start(actor=None, feed=xmas.promotions)
    google = services.pull_token_create(actor=None, channel=xmas.feeds.shop.google)
    web = services.pull_token_create(actor=None, channel=xmas.feeds.shop.web)
    url = "/feeds/google/promotions.xml"
    response = client.get(url, headers={"Authorization": f"Bearer {google}"})
    assert response.status_code == 200 and response["Content-Type"].startswith("application/xml")
    assert b"".join(response.streaming_content).decode() == read(run)
    assert client.get(url, headers={"Authorization": f"Bearer {web}"}).status_code == 401
    assert client.get(url).status_code == 401


def test_the_run_page_shows_the_promotions_as_google_receives_them(client, xmas):
    approve(xmas)
    run = services.feed_build_start(actor=None, feed=xmas.promotions)
    client.force_login(UserFactory(username="chloe", roles=[Role.CHANNEL_MANAGER]))
    page = client.get(f"/admin/channels/feedrun/{run.pk}/change/").content.decode()
    assert "promotion_id" in page and "XMAS-TOYS" in page and "Jouets −20 %" in page and DATES in page


@pytest.mark.parametrize("who", ["merchandiser", "approver", "web_manager"])
def test_people_without_the_right_to_build_google_may_not_build_or_preview_its_promotions(client, xmas, who):
    approve(xmas)
    if who == "web_manager":  # a channel manager limited to the web shop
        person = UserFactory(username="chloe", roles=[Role.CHANNEL_MANAGER])
        assign_perm("core.manage_channel", person, xmas.feeds.shop.web)
    else:
        person = getattr(xmas.feeds.shop, who)
    client.force_login(person)
    feed = xmas.promotions.pk
    client.get(f"/admin/channels/feed/{feed}/build/")
    client.post(f"/admin/channels/feed/{feed}/preview/", {"at_0": "2026-12-02", "at_1": "00:00"})
    client.post("/admin/channels/feed/", {"action": "build_now", "_selected_action": [feed]})
    assert not FeedRun.objects.filter(feed_id=feed).exists()


def test_a_marketer_previews_the_promotions_of_a_campaign_they_submitted(client, xmas):
    """Marketers may build and preview feeds (docs/access.md): what their campaign will announce."""
    campaigns.campaign_submit(actor=xmas.marketer, campaign=xmas.campaign)
    client.force_login(xmas.marketer)
    url = f"/admin/channels/feed/{xmas.promotions.pk}/preview/"
    data = {"at_0": "2026-12-02", "at_1": "00:00", "include_awaiting_approval": "on"}
    assert client.post(url, data).status_code == 302
    assert set(entries(FeedRun.objects.get(feed=xmas.promotions))) == {"XMAS-TOYS", "XMAS-MORE", "NOEL10"}


def test_a_promotions_feed_is_created_in_the_admin(client, feeds):
    client.force_login(UserFactory(username="chloe", roles=[Role.CHANNEL_MANAGER]))
    response = client.post(
        "/admin/channels/feed/add/",
        {
            "channel": feeds.shop.google.pk, "name": "promotions", "format": "google_promos",
            "locale": "fr_FR", "mapping": "{}", "link_template": "{base_url}/p/{sku}",
            "sold_out": "out_of_stock", "strip_html": "on", "is_active": "on", "cron": "*/30 * * * *",
            "runs-TOTAL_FORMS": "0", "runs-INITIAL_FORMS": "0",
        },
    )  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Feed.objects.get(name="promotions").file_name == "promotions.xml"


def test_a_title_with_markup_reaches_google_as_text(xmas):
    approve(xmas)
    Promotion.objects.filter(code="XMAS-MORE").update(name="<b>Jouets</b> & co\x07")
    run = services.feed_build_start(actor=None, feed=xmas.promotions)
    assert "<g:long_title>&lt;b&gt;Jouets&lt;/b&gt; &amp; co</g:long_title>" in read(run)
    assert entries(run)["XMAS-MORE"]["long_title"] == "<b>Jouets</b> & co"


def test_the_product_feed_names_promotions_in_the_same_queries_whatever_the_number_of_items(xmas):
    """The promotion ids of a chunk cost a constant number of queries, not one per product."""
    approve(xmas)
    ctx = selectors.build_context(xmas.feeds.google, timezone.now())
    ids = sorted(Product.objects.values_list("pk", flat=True))
    with CaptureQueriesContext(connection) as two:
        selectors.items(ctx, ids[0], ids[1] + 1)
    with CaptureQueriesContext(connection) as four:
        found = selectors.items(ctx, ids[0], ids[-1] + 1)
    assert len(found) == 4 and found[0].promotion_ids == ["XMAS-TOYS", "NOEL10"]
    assert len(four.captured_queries) == len(two.captured_queries)
