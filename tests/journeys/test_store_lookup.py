"""Journey: a salesperson signs in on a tablet, scans a barcode (digits and Enter) and reads price and
stock of the product: here, in the other stores nearest first, and on each channel."""

import pytest
from playwright.sync_api import expect

from apps.core.models import Role
from apps.inventory.models import StockLocation
from apps.inventory.services import StockLine, stock_apply_batch
from apps.pricing.services import price_set
from apps.products import services as products
from apps.stores.services import staff_store_set
from tests.channels.helpers import GTINS
from tests.core.factories import UserFactory
from tests.inventory.factories import LocationFactory
from tests.journeys.conftest import screenshot
from tests.products.fixtures import build_shop, texts

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "pw-noel-2026"
STORE = StockLocation.Kind.STORE


def _signed_in_on_a_tablet(browser, live_server, username: str, language: str, store):
    """A salesperson of `store` signed in on the store login, on a portrait tablet in their language."""
    person = UserFactory(username=username, is_staff=False, language=language, roles=[Role.STORE_STAFF])
    person.set_password(PASSWORD)
    person.save()
    staff_store_set(actor=None, user=person, location=store)
    locale = {"en": "en-GB", "fr": "fr-FR"}[language]
    context = browser.new_context(viewport={"width": 800, "height": 1280}, locale=locale, has_touch=True)
    page = context.new_page()
    page.goto(f"{live_server.url}/store/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/store/")
    return context, page


def test_a_scan_on_a_tablet_shows_price_and_stock_everywhere(browser, live_server):
    shop = build_shop()
    LocationFactory(code="WH", name="Entrepôt de Lyon", channels=[shop.web, shop.google])
    paris = LocationFactory(
        code="PARIS",
        name="Noël Paris Opéra",
        kind=STORE,
        latitude="48.872",
        longitude="2.332",
        click_and_collect=True,
        pickup_sla="same_day",
    )
    LocationFactory(
        code="LILLE",
        name="Noël Lille Centre",
        kind=STORE,
        latitude="50.637",
        longitude="3.063",
        click_and_collect=True,
        pickup_sla="next_day",
    )
    LocationFactory(code="LYON", name="Noël Lyon Bellecour", kind=STORE, latitude="45.758", longitude="4.832")
    toy = products.product_create(
        actor=None, sku="REINDEER-1", family=shop.toys, gtin=GTINS[0],
        values={"name": texts("Renne en peluche", "Plush reindeer"), "brand": {"*": {"*": "Lutin"}}},
    )  # fmt: skip
    for channel, amount in ((shop.web, "24.90"), (shop.google, "24.90")):
        price_set(actor=None, product=toy, channel=channel, amount=amount)
    stock_apply_batch(
        actor=None,
        lines=[StockLine(sku="REINDEER-1", location="PARIS", quantity=2),
               StockLine(sku="REINDEER-1", location="LILLE", quantity=7)],
    )  # fmt: skip
    context, page = _signed_in_on_a_tablet(browser, live_server, "sam", "en", paris)

    search = page.locator("#q")
    expect(search).to_be_focused()
    page.keyboard.type("plush rein")
    expect(page.locator("#results")).to_contain_text("REINDEER-1")
    found = page.locator('#results [data-sku="REINDEER-1"]')
    expect(found).to_contain_text("€24.90")  # the price and stock are read from the list itself
    expect(found).to_contain_text("2 here")
    expect(found).to_contain_text("9 in all stores")
    screenshot(page, "store_lookup_results")
    search.fill("")
    page.keyboard.type(GTINS[0])
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{live_server.url}/store/p/REINDEER-1/")

    expect(page.locator("h1")).to_have_text("Plush reindeer")
    expect(page.locator(".here")).to_contain_text("2 in stock")
    expect(page.locator(".here")).to_contain_text("Click and collect: Same day")
    stores = page.locator("ul.stores").first.locator("[data-location]")
    expect(stores).to_have_count(2)
    expect(stores.nth(0)).to_have_attribute("data-location", "LILLE")  # 204 km, before Lyon (394 km)
    expect(stores.nth(0)).to_contain_text("7 in stock")
    expect(stores.nth(1)).to_contain_text("Sold out")
    expect(page.locator('[data-channel="web"]')).to_contain_text("€24.90")
    expect(page.locator('[data-channel="web"]')).to_contain_text("Sold out")
    expect(page.locator("#q")).to_be_focused()  # ready for the next scan
    screenshot(page, "store_lookup_tablet_portrait")
    page.set_viewport_size({"width": 1280, "height": 800})
    screenshot(page, "store_lookup_tablet_landscape")
    context.close()


def test_a_french_salesperson_reads_price_and_stock_in_the_results_in_french(browser, live_server):
    shop = build_shop()
    paris = LocationFactory(code="PARIS", name="Noël Paris Opéra", kind=STORE)
    toy = products.product_create(
        actor=None,
        sku="REINDEER-1",
        family=shop.toys,
        values={"name": texts("Renne en peluche", "Plush reindeer")},
    )
    price_set(actor=None, product=toy, channel=shop.web, amount="24.90")
    stock_apply_batch(actor=None, lines=[StockLine(sku="REINDEER-1", location="PARIS", quantity=1)])
    context, page = _signed_in_on_a_tablet(browser, live_server, "lea", "fr", paris)
    page.keyboard.type("renne")
    found = page.locator('#results [data-sku="REINDEER-1"]')
    expect(found).to_contain_text("24,90\u00a0€")
    expect(found).to_contain_text("1 ici")
    expect(found).to_contain_text("1 dans tous les magasins")
    screenshot(page, "store_lookup_results_fr")
    context.close()
