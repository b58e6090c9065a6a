"""Journey: a merchandiser uploads several pictures at once on the upload page; each asset keeps the tags
typed (none here), never the first file's name; a PDF (kept by the DAM) cannot be linked as a gallery
picture."""

import pytest
from playwright.sync_api import expect

from apps.assets.models import Asset, ProductAsset
from apps.core.models import Role
from tests.journeys.conftest import screenshot
from tests.journeys.helpers import PASSWORD, person, picture
from tests.products.fixtures import build_shop

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_several_pictures_keep_their_own_tags_and_a_pdf_is_no_gallery_picture(login, live_server, tmp_path):
    from apps.products import services as product_services

    shop = build_shop()
    product_services.product_create(actor=None, sku="TOY-1", family=shop.toys, values={})
    person("margot.u", Role.MERCHANDISER)
    page = login("margot.u", PASSWORD)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    files = []
    for name, color in (("sapin.png", "green"), ("etoile.png", "gold"), ("TOY-1_2.png", "red")):
        path = tmp_path / name
        path.write_bytes(picture(color))
        files.append(str(path))
    leaflet = tmp_path / "leaflet.pdf"
    leaflet.write_bytes(b"%PDF-1.4 leaflet")
    files.append(str(leaflet))

    page.goto(f"{live_server.url}/admin/assets/asset/upload/")
    page.set_input_files("input[name=files]", files)
    screenshot(page, "upload-chosen")
    assert page.input_value("input[name=tags]") == ""
    page.get_by_role("button", name="Upload", exact=True).click()
    page.wait_for_load_state()
    screenshot(page, "upload-report")
    assert errors == [], errors
    assert sorted(Asset.objects.values_list("original_name", flat=True)) == [
        "TOY-1_2.png",
        "etoile.png",
        "leaflet.pdf",
        "sapin.png",
    ]
    assert list(Asset.objects.exclude(tags=[]).values_list("original_name", "tags")) == []

    row = page.locator("[data-unmatched] tr", has_text="leaflet.pdf")
    row.locator("input[name=sku]").fill("TOY-1")
    row.locator("select[name=role]").select_option("gallery")
    row.get_by_role("button", name="Link").click()
    page.wait_for_load_state()
    screenshot(page, "upload-text-refused")
    expect(page.locator("body")).to_contain_text("leaflet.pdf is not a picture")
    assert not ProductAsset.objects.filter(asset__original_name="leaflet.pdf").exists()
