"""Journey: a merchandiser works the product list through its screens only: filters it by brand, chooses
their columns, then mass-edits a value of the filtered products, one of which is approved (a pending
change) and one of another family (refused, with its reason), and confirms on the preview page. The same
list in French, and the screenshots of each step (var/screenshots/grid-*)."""

import pytest
from playwright.sync_api import expect

from apps.assets import services as assets
from apps.core.models import Role, User
from apps.inventory.services import StockLine, stock_apply_batch
from apps.pricing.services import price_set
from apps.products import services
from apps.products.models import PendingChange, Product
from tests.inventory.factories import LocationFactory
from tests.journeys.conftest import screenshot
from tests.journeys.helpers import PASSWORD, person, picture
from tests.products.fixtures import build_shop, texts

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _catalog():
    shop = build_shop()
    for n in range(8):
        services.product_create(
            actor=None,
            sku=f"TOY-{n}",
            family=shop.toys,
            categories=["toys"],
            values={"name": texts(f"Renne {n}", f"Reindeer {n}"),
                    "brand": {"*": {"*": "Lutin" if n < 5 else "Boréal"}}},
        )  # fmt: skip
    services.product_create(
        actor=None, sku="COAT-1", family=shop.apparel, categories=["toys"],
        values={"brand": {"*": {"*": "Lutin"}}},
    )  # fmt: skip
    for n in range(5):
        product = Product.objects.get(sku=f"TOY-{n}")
        price_set(actor=None, product=product, channel=shop.web, amount=f"{19 + n}.90", currency="EUR")
        price_set(actor=None, product=product, channel=shop.google, amount=f"{19 + n}.90", currency="EUR")
    LocationFactory(code="WH", channels=[shop.web, shop.google])
    stock_apply_batch(
        actor=None, lines=[StockLine("TOY-1", "WH", quantity=30), StockLine("TOY-2", "WH", quantity=2)]
    )
    for sku, color in (("TOY-1", "darkred"), ("TOY-2", "darkgreen")):
        asset = assets.asset_upload(actor=None, name=f"{sku}.png", data=picture(color, 200)).asset
        assets.product_asset_link(actor=None, product=Product.objects.get(sku=sku), asset=asset, role="main")
    approved = Product.objects.get(sku="TOY-0")
    services.product_submit(actor=shop.merchandiser, product=approved)
    services.product_approve(actor=shop.approver, product=approved)
    return shop


def test_a_merchandiser_filters_chooses_columns_and_mass_edits_through_the_screens(login, live_server):
    _catalog()
    person("margot.g", Role.MERCHANDISER)
    page = login("margot.g", PASSWORD)
    page.goto(f"{live_server.url}/admin/products/product/")
    screenshot(page, "grid-list-en")

    # filter by brand, in the filter panel
    page.locator("a", has_text="Filters").first.click()
    page.locator("input[name=brand]").fill("lut")
    page.get_by_role("button", name="Apply Filters").click()
    rows = page.locator("#result_list tbody tr")
    expect(rows).to_have_count(6)  # TOY-0…TOY-4 and COAT-1
    expect(page.locator("#result_list")).not_to_contain_text("TOY-5")

    # choose columns: the family, not the pending badge; the choice stays
    page.get_by_role("link", name="Columns").click()
    page.locator("input[name=columns][value=pending]").uncheck()
    page.locator("input[name=columns][value=family]").check()
    screenshot(page, "grid-columns-en")
    page.get_by_role("button", name="Save my columns").click()
    expect(page.locator("body")).to_contain_text("Your columns are saved.")
    expect(page.locator("#result_list thead")).not_to_contain_text("Pending change")
    expect(page.locator("#result_list thead")).to_contain_text("Family")

    # mass edit the filtered list: all six, through the action and its confirmation page
    page.goto(f"{live_server.url}/admin/products/product/?brand=lut")
    page.locator("#action-toggle").check()
    page.select_option("select[name=action]", "edit_values")
    page.get_by_role("button", name="Run").click()
    page.select_option("#id_attribute", "age_min")
    page.fill("#id_value", "3 ans")
    page.get_by_role("button", name="Preview the change").click()
    expect(page.locator("body")).to_contain_text("is not a number")
    page.fill("#id_value", "3")
    page.get_by_role("button", name="Preview the change").click()
    expect(page.locator("tr[data-sku=TOY-0]")).to_contain_text("pending change")
    expect(page.locator("tr[data-sku=COAT-1]")).to_contain_text("its family apparel has no attribute age_min")
    screenshot(page, "grid-mass-edit-preview-en")
    assert not Product.objects.filter(values__has_key="age_min").exists()  # nothing before confirming
    page.get_by_role("button", name="Confirm and apply").click()
    expect(page.locator("body")).to_contain_text("4 product(s) changed.")
    expect(page.locator("body")).to_contain_text("1 approved product(s) got a pending change")
    expect(page.locator("tr[data-sku=COAT-1]")).to_have_attribute("data-outcome", "refused")
    screenshot(page, "grid-mass-edit-done-en")
    assert Product.objects.filter(values__has_key="age_min").count() == 4
    assert PendingChange.objects.get(product__sku="TOY-0").changes["values"]["age_min"] == {"*": {"*": "3"}}

    # the same list in French
    User.objects.filter(username="margot.g").update(language="fr")
    page.goto(f"{live_server.url}/admin/products/product/")
    expect(page.locator("#result_list thead")).to_contain_text("Complétude")
    screenshot(page, "grid-list-fr")
