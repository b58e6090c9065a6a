"""Journeys through the pickers, on screen only: a merchandiser creates a product, files it in a category
found by typing its parent's name in the tree, and gives it a picture chosen by its thumbnail; a marketer
makes a promotion of products, brands and categories picked as they type, with another benefit on one
channel. In English and in French; the browser reports no error."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from apps.assets.models import ProductAsset
from apps.campaigns import services as campaigns
from apps.campaigns.models import Promotion
from apps.core.models import Role
from apps.products.models import Product
from tests.journeys.conftest import screenshot
from tests.journeys.helpers import PASSWORD, choose, person, picture
from tests.products.fixtures import build_shop, texts


def START():
    """A campaign's start on any day the journey runs: midnight ten days from now, Paris time."""
    return timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=10)


pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SAVE = {"en": "Save and continue editing", "fr": "Enregistrer et continuer les modifications"}


@pytest.mark.parametrize("language", ["en", "fr"])
def test_a_product_gets_its_category_from_the_tree_and_its_picture_by_thumbnail(
    login, live_server, tmp_path, language
):
    build_shop()
    margot = person(f"margot.{language}", Role.MERCHANDISER)
    margot.language = language
    margot.save()
    page = login(margot.username, PASSWORD)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    path = tmp_path / "renne-rouge.png"
    path.write_bytes(picture("red"))
    page.goto(f"{live_server.url}/admin/assets/asset/upload/")
    page.set_input_files("input[name=files]", [str(path)])
    page.locator("form button[type=submit]").last.click()
    page.wait_for_load_state()

    page.goto(f"{live_server.url}/admin/products/product/add/")
    page.fill("input[name=sku]", "TOY-NEW")
    page.select_option("select[name=family]", label="[toys]")
    choose(page, "categories", "Toys", "Plush")  # typing the parent lists its subtree
    screenshot(page, f"pickers-category-tree-{language}")
    page.get_by_role("button", name=SAVE[language]).click()
    page.wait_for_load_state()
    product = Product.objects.get(sku="TOY-NEW")
    assert product.categories == ["plush"]

    page.locator("a.add-row").first.click()  # the pictures' (prices and stock are read-only here)
    picker = page.locator("select[name='asset_links-0-asset'] + .select2")
    picker.click()
    page.locator(".select2-container--open .select2-search__field").fill("renne")
    offered = page.locator(".select2-results__option", has_text="renne-rouge.png").first
    expect(offered.locator("img.noel-picker-thumb")).to_be_visible()
    screenshot(page, f"pickers-picture-thumbnails-{language}")
    offered.click()
    expect(picker.locator("img.noel-picker-thumb")).to_be_visible()
    page.get_by_role("button", name=SAVE[language]).click()
    page.wait_for_load_state()
    link = ProductAsset.objects.get(product=product)
    assert link.asset.original_name == "renne-rouge.png"
    screenshot(page, f"pickers-product-saved-{language}")
    assert errors == [], errors


@pytest.mark.parametrize("language", ["en", "fr"])
def test_a_promotion_is_made_with_pickers(login, live_server, language):
    shop = build_shop()
    from apps.products import services as catalog

    for sku, brand in (("TOY-1", "Lutin"), ("TOY-2", "Noel")):
        catalog.product_create(
            actor=None, sku=sku, family=shop.toys, categories=["toys"],
            values={"name": texts(f"Renne {sku}", f"Reindeer {sku}"), "brand": {"*": {"*": brand}}},
        )  # fmt: skip
    lea = person(f"lea.{language}", Role.MARKETER)
    lea.language = language
    lea.save()
    campaigns.campaign_create(
        actor=lea,
        code="XMAS",
        name="Noël",
        starts_at=START(),
        ends_at=START() + timedelta(days=20),
        channels=[shop.web, shop.google],
    )
    page = login(lea.username, PASSWORD)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{live_server.url}/admin/campaigns/promotion/add/")
    page.select_option("select[name=campaign]", index=1)
    page.fill("input[name=code]", "XMAS-PICKED")
    choose(page, "skus", "Reindeer TOY-2" if language == "en" else "TOY-2", "TOY-2")
    choose(page, "brands", "lut", "Lutin")
    choose(page, "categories", "Christmas", "Plush")
    page.fill("input[name=value]", "15")
    page.select_option("select[name=override_benefit__google]", "amount_off")
    page.fill("input[name=override_value__google]", "3")
    screenshot(page, f"pickers-promotion-{language}")
    page.locator("button[name=_save]").click()
    page.wait_for_load_state()
    promotion = Promotion.objects.get(code="XMAS-PICKED")
    assert (promotion.skus, promotion.brands, promotion.categories) == (["TOY-2"], ["Lutin"], ["plush"])
    assert [(o.channel.code, o.benefit) for o in promotion.overrides.all()] == [("google", "amount_off")]
    assert errors == [], errors
