"""Journey 1: a merchandiser creates a product in a family, writes its French and English texts, uploads
two pictures and submits it; an approver approves it; the next Google feed, built by a real Celery worker
as beat would start it, carries it with its main picture."""

import re

import pytest
from playwright.sync_api import expect

from apps.channels import services as channels
from apps.channels.models import Feed
from apps.channels.tasks import feeds_build_dirty
from apps.core.models import Role
from apps.inventory.services import StockLine, stock_apply_batch
from apps.pricing.services import price_set
from apps.products.models import Product
from config.celery import app as celery_app
from tests.channels.helpers import read
from tests.inventory.factories import LocationFactory
from tests.journeys.conftest import screenshot
from tests.journeys.helpers import PASSWORD, list_action, person, picture, wait_for_run, write_product
from tests.products.fixtures import build_shop
from tests.workers import celery_workers

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SKU = "RENNE-LUMI"


def test_a_new_product_written_pictured_and_approved_reaches_the_next_google_feed(login, live_server):
    shop = build_shop()
    shop.google.base_url = "https://shop.example"
    shop.google.save()
    LocationFactory(code="WH", channels=[shop.google, shop.web])
    feed = channels.feed_create(
        actor=None, channel=shop.google, name="products", format=Feed.Format.GOOGLE, locale="fr_FR"
    )
    person("margot.b", Role.MERCHANDISER)
    person("arthur.b", Role.APPROVER)
    admin = live_server.url + "/admin"

    celery_app.control.purge()
    with celery_workers(1, celery_app.conf.task_default_queue):
        margot = login("margot.b", PASSWORD)
        margot.goto(f"{admin}/products/product/add/")
        margot.fill("#id_sku", SKU)
        margot.select_option("#id_family", str(shop.toys.pk))
        margot.click('button[name="_continue"]')
        expect(margot.locator('input[name="v|name|fr_FR|*"]')).to_be_visible()
        product = Product.objects.get(sku=SKU)

        write_product(
            margot,
            names=("Renne lumineux", "Glowing reindeer"),
            descriptions=("Un renne qui brille la nuit.", "A reindeer that glows at night."),
            brand="Lutin",
            category="Toys",
        )
        expect(margot.locator("body")).to_contain_text("was changed successfully")

        margot.goto(f"{admin}/assets/asset/upload/")
        margot.set_input_files(
            'input[name="files"]',
            [
                {"name": f"{SKU}_1.png", "mimeType": "image/png", "buffer": picture("firebrick")},
                {"name": f"{SKU}_2.png", "mimeType": "image/png", "buffer": picture("forestgreen")},
            ],
        )
        margot.get_by_role("button", name="Upload", exact=True).click()
        expect(margot.locator("[data-linked] tbody tr")).to_have_count(2)
        expect(margot.locator("[data-linked]")).to_contain_text(SKU)

        # The ERP sends the price and the stock, as it does for every product.
        price_set(actor=None, product=product, channel=shop.google, amount="29.90")
        stock_apply_batch(actor=None, lines=[StockLine(sku=SKU, location="WH", quantity=12)])

        margot.goto(f"{admin}/products/product/{product.pk}/change/")
        expect(margot.locator("body")).to_contain_text("Pictures")
        expect(margot.locator(f'img[alt="{SKU}_1.png"], img[src*="media"]').first).to_be_visible()
        screenshot(margot, "journey1-product-form")
        products_list = f"{admin}/products/product/?q={SKU}"
        list_action(margot, products_list, product.pk, "submit_selected", "1 product(s) submitted")

        arthur = login("arthur.b", PASSWORD)
        list_action(arthur, products_list, product.pk, "approve_selected", "1 product(s) approved")

        feeds_build_dirty.delay()  # what beat sends every minute: the approval marked the feed
        run = wait_for_run(arthur, f"{admin}/channels/feedrun/")
    assert (run.feed_id, run.status, run.published, run.held_back) == (feed.pk, "succeeded", 1, 0), list(
        run.issues.values_list("sku", "message")
    )
    expect(arthur.locator("#result_list")).to_contain_text("google")
    screenshot(arthur, "journey1-feed-run")
    arthur.goto(f"{admin}/")
    # "Recent changes" lists people's changes (the feed build is the system's): the approval just made
    expect(arthur.locator("body")).to_contain_text(f"product.approve {SKU}")
    xml = read(run)
    item = re.search(rf"<item>\s*<g:id>{SKU}</g:id>.*?</item>", xml, re.S)
    assert item, xml[:2000]
    assert "<g:title>Renne lumineux</g:title>" in item.group(0)
    assert "<g:price>29.90 EUR</g:price>" in item.group(0)
    assert re.search(r"<g:image_link>https?://[^<]+</g:image_link>", item.group(0))
    assert re.search(r"<g:additional_image_link>https?://[^<]+</g:additional_image_link>", item.group(0))
