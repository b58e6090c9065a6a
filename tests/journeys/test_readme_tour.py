"""The README's tour as one journey, on the demo as `make run` loads it and with its logins, through the
screens only: nothing a person does is set up through services. `merchandiser` and `marketer` work in
French, `merchandiser2` and `approver` in English (the languages the demo gives them). The README's
screenshots come from here (NOEL_DOCS_SCREENSHOTS=1 writes them over docs/screenshots/).

1. The merchandiser creates a product, uploads its two pictures, sets its Google and web prices from the
   product form's link, and submits it; the approver approves it; the next Google feed publishes it with
   its picture and price (the build beat would start every minute, run by a real Celery worker).
2. The other merchandiser imports a file with a bad row: refused whole and explained; the corrected
   file goes in.
3. The marketer plans −20 % on the toys for the web shop from tomorrow 00:00, submits it; the approver
   approves it on its review page; at the start instant beat's jobs run and the web feed carries the sale
   price of the new product.

The clock is time-machine in this process, which is the live server's (see test_christmas_campaign.py).
"""

import io
import json
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from celery.result import allow_join_result
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from apps.campaigns.models import Campaign
from apps.campaigns.tasks import campaigns_tick
from apps.channels.models import Feed, FeedRun
from apps.channels.tasks import feeds_build_dirty
from apps.core.models import Channel
from apps.products.models import Family, Product
from config.celery import app as celery_app
from tests.channels.helpers import read
from tests.journeys.conftest import docs_screenshot, screenshot
from tests.journeys.helpers import choose, list_action, picture, wait_for_runs, write_product
from tests.workers import celery_workers

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
DEMO_PASSWORD = "noel-demo-2026"
PARIS = ZoneInfo("Europe/Paris")
SKU = "TOUR-RENNE"


def build_marked_feeds(clock=None, instant: datetime | None = None) -> dict[str, FeedRun]:
    """What beat does every minute (at `instant` when the clock moves): start and end campaigns, then
    build the feeds whose data changed; channel code → its finished run."""
    if clock is not None:
        clock.move_to(instant)
    last = FeedRun.objects.order_by("-id").values_list("id", flat=True).first() or 0
    with allow_join_result():
        campaigns_tick.apply().get()
        started = feeds_build_dirty.apply().get()
    return {run.feed.channel.code: run for run in wait_for_runs(len(started), after=last)}


def item_of(run: FeedRun, sku: str) -> str:
    text = read(run)
    if run.feed.format == Feed.Format.JSONL:
        return next((line for line in text.splitlines() if json.loads(line)["id"] == sku), "")
    found = re.search(rf"<item>\s*<g:id>{sku}</g:id>.*?</item>", text, re.S)
    return found.group(0) if found else ""


IMPORT = "sku;family;categories;name-fr_FR;name-en_GB;brand\nTOUR-LUGE;toys;toys;Luge;Sledge;Lutin\n"


def upload(page, url: str, content: str) -> None:
    page.goto(url)
    page.select_option("#id_kind", "products")
    page.set_input_files(
        "#id_file", {"name": "jouets.csv", "mimeType": "text/csv", "buffer": content.encode()}
    )
    page.get_by_role("button", name="Check the file").click()


def set_price(page, admin: str, product: Product, channel: str, amount: str) -> None:
    page.goto(f"{admin}/products/product/{product.pk}/change/")
    page.locator("[data-set-price] a").click()
    page.select_option("#id_channel", str(Channel.objects.get(code=channel).pk))
    page.fill("#id_amount", amount)
    page.click('button[name="_save"]')
    page.wait_for_url(re.compile(r"/admin/pricing/price/(\?.*)?$"))


def test_the_readme_tour_on_the_demo_through_the_screens_only(
    login, live_server, settings, monkeypatch, tmp_path
):
    # As under `make run`: the web process and the worker share the cache through a folder.
    monkeypatch.setenv("CACHE_URL", f"filecache://{tmp_path / 'cache'}")
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
                                   "LOCATION": str(tmp_path / "cache")}}  # fmt: skip
    call_command("seed_demo", products=60, stdout=io.StringIO())  # what `make run` loads
    admin = live_server.url + "/admin"
    toys = Family.objects.get(code="toys")
    celery_app.control.purge()
    with celery_workers(1, celery_app.conf.task_default_queue):
        build_marked_feeds()  # the demo's feeds as they stand

        # 1. A product, in French
        margot = login("merchandiser", DEMO_PASSWORD)
        margot.goto(f"{admin}/products/product/add/")
        expect(margot.locator("html")).to_have_attribute("lang", "fr")
        margot.fill("#id_sku", SKU)
        margot.select_option("#id_family", str(toys.pk))
        margot.click('button[name="_continue"]')
        expect(margot.locator('input[name="v|name|fr_FR|*"]')).to_be_visible()
        product = Product.objects.get(sku=SKU)
        write_product(
            margot,
            names=("Renne lumineux", "Glowing reindeer"),
            descriptions=(
                "Un renne en bois qui brille la nuit, piles fournies.",
                "A wooden reindeer that glows at night, batteries included.",
            ),
            brand="Lutin",
            category="Jouets",
        )
        expect(margot.locator(".errornote, .errorlist")).to_have_count(0)

        margot.goto(f"{admin}/assets/asset/upload/")
        margot.set_input_files(
            'input[name="files"]',
            [
                {"name": f"{SKU}_1.png", "mimeType": "image/png", "buffer": picture("firebrick", 900)},
                {"name": f"{SKU}_2.png", "mimeType": "image/png", "buffer": picture("forestgreen", 900)},
            ],
        )
        margot.get_by_role("button", name="Charger", exact=True).click()
        expect(margot.locator("[data-linked] tbody tr")).to_have_count(2)

        set_price(margot, admin, product, "google", "29.90")
        set_price(margot, admin, product, "web", "29.90")
        margot.goto(f"{admin}/products/product/{product.pk}/change/")
        expect(margot.locator("body")).to_contain_text("29,90\u00a0€")
        screenshot(margot, "tour-product-form-fr")
        products_list = f"{admin}/products/product/?q={SKU}"
        list_action(margot, products_list, product.pk, "submit_selected", "1 produit(s) soumis")

        # Four eyes, in English
        arthur = login("approver", DEMO_PASSWORD)
        list_action(arthur, products_list, product.pk, "approve_selected", "1 product(s) approved")
        arthur.goto(f"{admin}/")
        expect(arthur.locator("body")).to_contain_text(f"product.approve {SKU}")
        docs_screenshot(arthur, "dashboard")
        runs = build_marked_feeds()
        google = item_of(runs["google"], SKU)
        assert "<g:price>29.90 EUR</g:price>" in google, runs["google"].issues.values_list("sku", "message")
        assert "<g:title>Renne lumineux</g:title>" in google
        assert re.search(r"<g:image_link>https?://[^<]+</g:image_link>", google)
        arthur.goto(f"{admin}/channels/feedrun/{runs['google'].pk}/change/")
        screenshot(arthur, "tour-google-run-en")

        # 2. A file with a bad row is refused whole, explained; the corrected one goes in (in English)
        maxime = login("merchandiser2", DEMO_PASSWORD)
        add = f"{admin}/core/importjob/add/"
        upload(maxime, add, IMPORT.replace("TOUR-LUGE;toys", "TOUR-LUGE;jouets"))
        expect(maxime.locator('[data-status="refused"]')).to_be_visible(timeout=60_000)
        expect(maxime.locator("#import-errors tbody tr")).to_contain_text("jouets")
        docs_screenshot(maxime, "import-preview")
        assert not Product.objects.filter(sku="TOUR-LUGE").exists()
        maxime.locator("[data-next-step] a").click()
        upload(maxime, add, IMPORT)
        expect(maxime.locator('[data-status="previewed"]')).to_be_visible(timeout=60_000)
        maxime.get_by_role("button", name="Confirm the import").click()
        expect(maxime.locator('[data-status="done"]')).to_be_visible(timeout=90_000)
        maxime.goto(f"{admin}/products/product/")
        docs_screenshot(maxime, "product-list")
        maxime.goto(f"{admin}/products/product/{product.pk}/change/")
        expect(maxime.locator("body")).to_contain_text("€29.90")
        docs_screenshot(maxime, "product-form")
        assert Product.objects.get(sku="TOUR-LUGE").values["name"]["en_GB"] == {"*": "Sledge"}

        # 3. The campaign, planned in French, approved in English, live at its start instant
        tomorrow = (timezone.localtime(timezone.now(), PARIS) + timedelta(days=1)).date()
        start = datetime.combine(tomorrow, datetime.min.time(), tzinfo=PARIS)
        marion = login("marketer", DEMO_PASSWORD)
        marion.goto(f"{admin}/campaigns/campaign/add/")
        marion.fill("#id_code", "TOUR")
        marion.fill("#id_name", "Jouets −20 %")
        marion.fill("#id_starts_at_0", tomorrow.strftime("%d/%m/%Y"))
        marion.fill("#id_starts_at_1", "00:00")
        marion.fill("#id_ends_at_0", (tomorrow + timedelta(days=10)).strftime("%d/%m/%Y"))
        marion.fill("#id_ends_at_1", "00:00")
        marion.select_option("#id_channels", [str(Channel.objects.get(code="web").pk)])
        marion.click('button[name="_continue"]')
        campaign = Campaign.objects.get(code="TOUR")
        assert campaign.starts_at == start
        marion.goto(f"{admin}/campaigns/promotion/add/")
        marion.select_option("#id_campaign", str(campaign.pk))
        marion.fill("#id_code", "TOUR-JOUETS")
        choose(marion, "categories", "Jouets", "Jouets")
        marion.select_option("#id_benefit", "percentage_off")
        marion.fill("#id_value", "20")
        marion.click('button[name="_save"]')
        list_action(marion, f"{admin}/campaigns/campaign/", campaign.pk, "submit", "soumise")

        arthur.goto(f"{admin}/campaigns/campaign/{campaign.pk}/review/")
        expect(arthur.locator("[data-changes]")).to_contain_text(SKU)
        arthur.get_by_role("button", name="Approve").click()
        expect(arthur.locator("body")).to_contain_text("Decision recorded.")
        with time_machine.travel(start - timedelta(minutes=5), tick=True) as clock:
            live = build_marked_feeds(clock, start + timedelta(seconds=30))
        campaign.refresh_from_db()
        assert campaign.status == Campaign.Status.LIVE
        web = json.loads(item_of(live["web"], SKU))
        assert (web["price"], web["sale_price"]) == ("29.90 EUR", "23.92 EUR"), web
        arthur.goto(f"{admin}/channels/feedrun/")
        docs_screenshot(arthur, "feed-runs")
        arthur.goto(f"{admin}/campaigns/campaign/calendar/?date={tomorrow.isoformat()}")
        expect(arthur.locator("body")).to_contain_text("TOUR")
        docs_screenshot(arthur, "campaign-calendar")
        if "google" in live:  # Google is not in the campaign: no sale price there
            assert "sale_price" not in item_of(live["google"], SKU)
