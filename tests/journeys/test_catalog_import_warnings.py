"""Journey: an administrator brings in a Shopify product CSV with its stock, picking the stock location
from the list, and reads what was counted and what Shopify does not track; then an Akeneo ZIP that lacks
one picture, imported all the same with the picture listed as a warning. In English and in French."""

import shutil

import pytest
from playwright.sync_api import expect

from apps.core.models import ImportJob, Role
from apps.inventory.models import StockLevel
from apps.products.models import Product
from tests.exchange.test_akeneo import DATA, zipped
from tests.exchange.test_shopify import EXPORT
from tests.inventory.factories import LocationFactory
from tests.journeys.conftest import screenshot
from tests.journeys.helpers import person

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
WORDS = {
    "en": {"check": "Check the file", "confirm": "Confirm the import", "stock": "Stock at PARIS",
           "untracked": "1 variant not tracked by Shopify", "warned": "Imported with a warning"},
    "fr": {"check": "Vérifier le fichier", "confirm": "Confirmer l’import", "stock": "Stock à PARIS",
           "untracked": "1 variante dont Shopify ne suit pas le stock",
           "warned": "Importé avec un avertissement"},
}  # fmt: skip


def upload(page, url: str, kind: str, name: str, content: bytes, words: dict, location: str = "") -> None:
    page.goto(url)
    page.select_option("#id_kind", kind)
    page.set_input_files(
        "#id_file", {"name": name, "mimeType": "application/octet-stream", "buffer": content}
    )
    if location:
        page.select_option("#id_location", location)
    page.get_by_role("button", name=words["check"]).click()
    expect(page.locator('[data-status="previewed"]')).to_be_visible(timeout=60_000)


@pytest.mark.parametrize("language", ["en", "fr"])
def test_shopify_stock_at_a_picked_location_and_an_akeneo_zip_missing_a_picture(
    login, live_server, tmp_path, language
):
    LocationFactory(code="PARIS", name="Entrepôt Paris")
    user = person(f"ada.{language}", Role.ADMIN)
    user.language = language
    user.save()
    words = WORDS[language]
    page = login(user.username, "pw-noel-2026")
    add = f"{live_server.url}/admin/core/importjob/add/"

    page.goto(add)
    expect(page.locator("#id_location option[value=PARIS]")).to_have_text("Entrepôt Paris (PARIS)")
    screenshot(page, f"catids-upload-form-{language}")
    untracked = EXPORT.read_text(encoding="utf-8").replace(",shopify,40,", ",,0,", 1).encode()
    upload(page, add, "shopify", "products_export.csv", untracked, words, location="PARIS")
    expect(page.locator("tr", has_text=words["stock"])).to_contain_text(words["untracked"])
    screenshot(page, f"catids-shopify-preview-{language}")
    page.get_by_role("button", name=words["confirm"]).click()
    expect(page.locator('[data-status="done"]')).to_be_visible(timeout=60_000)
    assert StockLevel.objects.get(product__sku="JMP-S-RED", location__code="PARIS").on_hand == 12
    assert not StockLevel.objects.filter(product__sku="TOWEL-1").exists()

    folder = tmp_path / "export"
    shutil.copytree(DATA, folder)
    (folder / "files/CUSH-LIN-01/picture/c4d5_linen_cushion.jpg").unlink()
    upload(page, add, "catalog", "catalog.zip", zipped(folder).getvalue(), words)
    expect(page.locator("body")).to_contain_text(words["warned"])
    warnings = page.locator("#import-warnings tbody tr")
    expect(warnings).to_have_count(1)
    expect(warnings.first).to_contain_text("c4d5_linen_cushion.jpg")
    expect(warnings.first.locator("td").nth(1)).to_have_text("picture")
    screenshot(page, f"catids-akeneo-warning-{language}")
    page.get_by_role("button", name=words["confirm"]).click()
    expect(page.locator('[data-status="done"]')).to_be_visible(timeout=60_000)
    assert ImportJob.objects.filter(status=ImportJob.Status.DONE).count() == 2
    assert "picture" not in Product.objects.get(sku="CUSH-LIN-01").values
