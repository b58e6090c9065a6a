"""Google's promotions feed in the browser: the channel manager adds it in the admin, builds it with a
real Celery worker, reads the promotions Google will receive and the one held back with its reason,
previews it during the campaign and after its end; a French channel manager reads the same pages in French; an
approver, who may not build feeds, is offered no build."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from apps.campaigns import services as campaigns
from apps.channels.models import Feed, FeedRun
from apps.core.models import Role
from config.celery import app as celery_app
from tests.channels.helpers import read
from tests.inventory.factories import LocationFactory
from tests.journeys.conftest import screenshot
from tests.journeys.helpers import PASSWORD, person, wait_for_run
from tests.journeys.test_feed_issues import toy
from tests.products.factories import AttributeFactory
from tests.products.fixtures import build_shop
from tests.workers import celery_workers

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TOO_LONG = "Tous les jouets en bois de l'atelier du Père Noël à moitié prix jusqu'au réveillon"


def christmas(shop):
    """An approved Christmas campaign on Google starting in three days: 20 % off two toys with a shared
    code, and a promotion whose title is longer than Google's 60 characters."""
    marketer = person("marion.p", Role.MARKETER)
    start = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=3)
    campaign = campaigns.campaign_create(
        actor=marketer, code="NOEL", name="Noël", starts_at=start, ends_at=start + timedelta(days=28),
        channels=[shop.google],
    )  # fmt: skip
    toys = campaigns.promotion_add(
        actor=marketer, campaign=campaign, code="NOEL-JOUETS", name="Jouets −20 %", skus=["RENNE", "SAPIN"],
        benefit="percentage_off", value="20", priority=10,
    )  # fmt: skip
    campaigns.promotion_add(
        actor=marketer, campaign=campaign, code="NOEL-BOIS", name=TOO_LONG, skus=["LUTIN"],
        benefit="percentage_off", value="10",
    )  # fmt: skip
    campaigns.coupon_create(actor=marketer, campaign=campaign, code="NOEL10", promotion=toys)
    campaigns.campaign_submit(actor=marketer, campaign=campaign)
    campaigns.campaign_approve(actor=shop.approver, campaign=campaign)
    return campaign


def test_the_channel_manager_adds_builds_and_previews_google_s_promotions(login, live_server):
    shop = build_shop()
    shop.google.base_url = "https://shop.example"
    shop.google.save()
    shop.toys.attributes.add(AttributeFactory(code="main_image", type="media"))
    LocationFactory(code="WH", channels=[shop.google])
    for sku in ("RENNE", "SAPIN", "LUTIN"):
        toy(shop, sku)
    campaign = christmas(shop)
    person("chloe.p", Role.CHANNEL_MANAGER)
    claire = person("claire.p", Role.CHANNEL_MANAGER)
    claire.language = "fr"
    claire.save()
    person("arthur.p", Role.APPROVER)
    admin = f"{live_server.url}/admin"

    celery_app.control.purge()
    with celery_workers(1, celery_app.conf.task_default_queue):
        chloe = login("chloe.p", PASSWORD)
        chloe.goto(f"{admin}/channels/feed/add/")
        chloe.select_option("#id_channel", label=str(shop.google))
        chloe.fill("#id_name", "promotions")
        chloe.select_option("#id_format", label="Google Merchant promotions")
        chloe.select_option("#id_locale", value="fr_FR")
        chloe.fill("#id_cron", "*/30 * * * *")
        screenshot(chloe, "promotions-feed-add")
        chloe.click('button[name="_continue"]')
        chloe.wait_for_load_state()
        feed = Feed.objects.get(name="promotions")
        assert feed.format == Feed.Format.GOOGLE_PROMOTIONS

        chloe.goto(f"{admin}/channels/feed/{feed.pk}/change/")
        chloe.get_by_role("link", name="Build now").click()
        run = wait_for_run(chloe)
        assert (run.status, run.items, run.published, run.held_back) == ("succeeded", 3, 2, 1), run.error
        chloe.goto(f"{admin}/channels/feedrun/{run.pk}/change/")
        expect(chloe.locator("table.noel-items")).to_contain_text("NOEL-JOUETS")
        expect(chloe.locator("table.noel-items")).to_contain_text("generic_code")
        screenshot(chloe, "promotions-feed-run")
        chloe.goto(f"{admin}/channels/feedissue/?run__id__exact={run.pk}")
        expect(chloe.locator("#result_list")).to_contain_text("NOEL-BOIS")
        expect(chloe.locator("#result_list")).to_contain_text("long_title has 82 characters")
        screenshot(chloe, "promotions-feed-held-back")

        last = run.pk
        for name, at, published in (
            ("during", timezone.localtime(campaign.starts_at) + timedelta(days=1), 2),
            ("after-end", timezone.localtime(campaign.ends_at) + timedelta(days=1), 0),
        ):
            chloe.goto(f"{admin}/channels/feed/{feed.pk}/change/")
            chloe.get_by_role("link", name="Preview at a date and time").click()
            chloe.fill("#id_at_0", at.strftime("%Y-%m-%d"))
            chloe.fill("#id_at_1", "00:00")
            chloe.get_by_role("button", name="Build the preview").click()
            preview = wait_for_run(after=last)
            chloe.goto(f"{admin}/channels/feedrun/{preview.pk}/change/")
            assert (preview.preview, preview.status, preview.published) == (True, "succeeded", published), (
                preview.error
            )
            screenshot(chloe, f"promotions-feed-preview-{name}")
            last = preview.pk
        expect(chloe.locator("body")).to_contain_text("Succeeded")
        feed.refresh_from_db()
        assert feed.current_run_id == run.pk, "a preview is never served"

        claire_page = login("claire.p", PASSWORD)
        claire_page.goto(f"{admin}/channels/feed/{feed.pk}/change/")
        expect(claire_page.locator("#id_format")).to_contain_text("Promotions Google Merchant")
        screenshot(claire_page, "promotions-feed-fr")
        claire_page.goto(f"{admin}/channels/feedrun/{run.pk}/change/")
        expect(claire_page.locator("table.noel-items")).to_contain_text("NOEL-JOUETS")
        screenshot(claire_page, "promotions-feed-run-fr")

        arthur = login("arthur.p", PASSWORD)
        arthur.goto(f"{admin}/channels/feed/{feed.pk}/change/")
        expect(arthur.locator("body")).not_to_contain_text("Build now")
        arthur.goto(f"{admin}/channels/feed/{feed.pk}/build/")
        assert FeedRun.objects.filter(feed=feed).count() == 3
    assert "<g:promotion_id>NOEL-JOUETS</g:promotion_id>" in read(run)
