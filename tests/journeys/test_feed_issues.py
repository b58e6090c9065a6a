"""Journey 6: a feed run holds an item back; the channel manager opens the issues, the product is fixed
and approved, the feed is rebuilt by a real Celery worker, and the item is published."""

import re

import pytest
from playwright.sync_api import expect

from apps.channels import services as channels
from apps.channels.models import Feed, FeedRun
from apps.core.models import Role
from apps.inventory.services import StockLine, stock_apply_batch
from apps.pricing.services import price_set
from apps.products import services as products
from apps.products.models import Attribute
from config.celery import app as celery_app
from tests.channels.helpers import read
from tests.inventory.factories import LocationFactory
from tests.journeys.conftest import screenshot
from tests.journeys.helpers import PASSWORD, list_action, person, wait_for_run
from tests.products.factories import AttributeFactory
from tests.products.fixtures import build_shop, texts
from tests.workers import celery_workers

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def toy(shop, sku, **values):
    values = {
        "name": texts(f"Jouet {sku}"),
        "brand": {"*": {"*": "Lutin"}},
        "description": {"fr_FR": dict.fromkeys(("google", "web"), "Un jouet")},
        "main_image": {"*": {"*": f"https://cdn.example/{sku}.jpg"}},
        **values,
    }
    product = products.product_create(
        actor=shop.merchandiser, sku=sku, family=shop.toys, categories=["toys"], values=values
    )
    products.product_submit(actor=shop.merchandiser, product=product)
    products.product_approve(actor=shop.approver, product=product)
    price_set(actor=None, product=product, channel=shop.google, amount="24.90")
    stock_apply_batch(actor=None, lines=[StockLine(sku=sku, location="WH", quantity=8)])
    return product


def test_the_channel_manager_sees_the_held_back_item_and_it_goes_out_once_fixed(login, live_server):
    shop = build_shop()
    shop.google.base_url = "https://shop.example"
    shop.google.save()
    shop.toys.attributes.add(AttributeFactory(code="main_image", type=Attribute.Type.MEDIA))
    LocationFactory(code="WH", channels=[shop.google])
    feed = channels.feed_create(
        actor=None, channel=shop.google, name="products", format=Feed.Format.GOOGLE, locale="fr_FR"
    )
    toy(shop, "RENNE")
    broken = toy(shop, "LUTIN", brand={})
    toy(shop, "SAPIN", brand={"*": {"*": "Noël & Co"}})
    for name, role in (
        ("chloe.b", Role.CHANNEL_MANAGER),
        ("margot.b", Role.MERCHANDISER),
        ("arthur.b", Role.APPROVER),
    ):
        person(name, role)

    celery_app.control.purge()
    with celery_workers(1, celery_app.conf.task_default_queue):
        chloe = login("chloe.b", PASSWORD)
        chloe.goto(f"{live_server.url}/admin/channels/feed/{feed.pk}/change/")
        chloe.get_by_role("link", name="Build now").click()
        first = wait_for_run(chloe, f"{live_server.url}/admin/channels/feedrun/")
        assert (first.status, first.published, first.held_back) == ("succeeded", 2, 1), list(
            first.issues.values_list("sku", "message")
        )
        chloe.get_by_role("link", name="1", exact=True).first.click()
        expect(chloe.locator("#result_list")).to_contain_text("LUTIN")
        expect(chloe.locator("#result_list")).to_contain_text("not complete for google: brand")
        screenshot(chloe, "journey6-held-back")

        margot = login("margot.b", PASSWORD)
        margot.goto(f"{live_server.url}/admin/products/product/{broken.pk}/change/")
        margot.fill('input[name="v|brand|*|*"]', "Lutin & Co")
        margot.click('button[name="_continue"]')
        margot.wait_for_load_state()
        products_list = f"{live_server.url}/admin/products/product/?q=LUTIN"
        list_action(margot, products_list, broken.pk, "submit_selected", "1 product(s) submitted")

        arthur = login("arthur.b", PASSWORD)
        list_action(arthur, products_list, broken.pk, "approve_selected", "1 product(s) approved")

        chloe.goto(f"{live_server.url}/admin/channels/feed/{feed.pk}/change/")
        chloe.get_by_role("link", name="Build now").click()
        second = wait_for_run(
            chloe, f"{live_server.url}/admin/channels/feedrun/{FeedRun.objects.latest('id').pk}/diff/"
        )
    assert (second.status, second.published, second.held_back) == ("succeeded", 3, 0), second.error
    expect(chloe.locator('[data-diff="added"]')).to_contain_text("LUTIN")
    screenshot(chloe, "journey6-published")
    assert re.search(r"<g:id>LUTIN</g:id>.*<g:brand>Lutin &amp; Co</g:brand>", read(second), re.S)
