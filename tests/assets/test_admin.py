"""The DAM's admin screens, through real requests."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.assets import services
from apps.assets.models import Asset, ProductAsset
from apps.core.models import AuditLog, Role
from apps.inventory.models import StockLevel
from apps.inventory.services import StockLine, stock_apply_batch
from apps.pricing.services import price_set
from tests.assets.factories import picture, upload, zip_of
from tests.core.factories import UserFactory
from tests.inventory.factories import LocationFactory
from tests.products.test_admin import _form_data

URL = "/admin/assets/asset/"
pytestmark = pytest.mark.django_db


@pytest.fixture
def merch(client, catalog):
    client.force_login(catalog.merchandiser)
    return client


def test_the_asset_list_shows_thumbnails_in_a_number_of_queries_that_does_not_grow(merch, catalog):
    def page_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            response = merch.get(URL)
        assert response.status_code == 200
        return len(queries)

    upload("first.jpg")
    page_queries()  # the first page of a process also fills its caches (content types, the sidebar's rights)
    few = page_queries()
    for n in range(15):
        services.asset_upload(actor=None, name=f"p{n}.jpg", data=picture(), product=catalog.products[n % 3])
    assert page_queries() == few
    html = merch.get(URL).content.decode()
    assert html.count("<img ") == 16 and "p14.jpg" in html


@pytest.mark.parametrize(
    ("query", "shown"),
    [
        ("?kind__exact=pdf", "leaflet.pdf"),
        ("?tag=xmas", "tagged.jpg"),
        ("?rights=30", "soon.jpg"),
        ("?status__exact=archived", "old.jpg"),
    ],
)
def test_filters_by_kind_tag_rights_and_status(merch, query, shown):
    services.asset_upload(actor=None, name="leaflet.pdf", data=b"%PDF-1.4 leaflet")
    services.asset_upload(actor=None, name="tagged.jpg", data=picture(), tags=["xmas"])
    services.asset_update(
        actor=None, asset=upload("soon.jpg"), changes={"valid_until": timezone.now() + timedelta(days=3)}
    )
    services.asset_archive(actor=None, asset=upload("old.jpg"))
    html = merch.get(URL + query).content.decode()
    names = {"leaflet.pdf", "tagged.jpg", "soon.jpg", "old.jpg"}
    assert shown in html and not any(other in html for other in names - {shown})


def test_uploading_files_and_a_zip_shows_what_was_linked_what_is_left_and_the_warnings(merch, catalog):
    archive = zip_of(
        {"TOY-1_1.jpg": picture(800, 800), "TOY-1_2.jpg": picture(300, 300), "banner.jpg": picture()}
    )
    response = merch.post(
        URL + "upload/",
        {
            "files": [
                SimpleUploadedFile("shoot.zip", archive),
                SimpleUploadedFile("TOY-2-swatch.png", picture(64, 64, fmt="PNG")),
            ],
            "tags": "noel-2026",
        },
    )
    html = response.content.decode()
    assert response.status_code == 200 and Asset.objects.count() == 4
    linked = html.split("data-linked")[1].split("</table>")[0]
    assert all(name in linked for name in ("TOY-1_1.jpg", "TOY-1_2.jpg", "TOY-2-swatch.png"))
    assert "banner.jpg" in html.split("data-unmatched")[1]
    assert "TOY-1_2.jpg: 300×300 px is below the minimum of google for main pictures (500×500 px)" in html
    banner = Asset.objects.get(original_name="banner.jpg")
    merch.post(URL + "upload/", {"link": "1", "asset": banner.pk, "sku": "toy-3", "role": "lifestyle"})
    assert ProductAsset.objects.filter(asset=banner, product__sku="TOY-3", role="lifestyle").exists()


def test_a_refused_upload_says_why_and_stores_nothing(merch):
    response = merch.post(
        URL + "upload/",
        {"files": [SimpleUploadedFile("evil.zip", zip_of({"../evil.jpg": picture()}))]},
        follow=True,
    )
    assert "points outside the folder; nothing was stored" in response.content.decode()
    assert not Asset.objects.exists()


def test_the_change_form_keeps_alt_text_per_locale_and_rights_through_the_service(merch, catalog):
    asset = upload("sapin.jpg", product=catalog.products[0], role="main")
    page = merch.get(f"{URL}{asset.pk}/change/").content.decode()
    assert "product TOY-1 (main)" in page and "alt_text__fr_FR" in page
    merch.post(
        f"{URL}{asset.pk}/change/",
        {
            "alt_text__fr_FR": "Un sapin",
            "alt_text__en_GB": "A fir tree",
            "caption__fr_FR": "",
            "caption__en_GB": "",
            "tags_text": "noel, sapin",
            "rights_owner": "Studio Nord",
            "licence": "CC-BY",
            "valid_until_0": "",
            "valid_until_1": "",
            "focal_x": "",
            "focal_y": "",
        },
    )
    asset.refresh_from_db()
    assert asset.alt_text == {"fr_FR": "Un sapin", "en_GB": "A fir tree"} and asset.tags == ["noel", "sapin"]
    assert (asset.rights_owner, asset.licence) == ("Studio Nord", "CC-BY")
    assert AuditLog.objects.filter(action="asset.update", actor=catalog.merchandiser).exists()


def test_deleting_a_used_asset_from_the_list_is_refused_with_its_uses(merch, catalog):
    used = upload("used.jpg", product=catalog.products[0])
    unused = upload("unused.jpg")
    response = merch.post(
        URL, {"action": "delete_unused", "_selected_action": [used.pk, unused.pk]}, follow=True
    )
    assert "used.jpg is used and cannot be deleted: product TOY-1 (gallery)" in response.content.decode()
    assert list(Asset.objects.values_list("original_name", flat=True)) == ["used.jpg"]


def test_the_product_form_shows_the_pictures_and_saves_their_new_order(merch, catalog):
    toy = catalog.products[0]
    main = services.product_asset_link(actor=None, product=toy, asset=upload("a.jpg"), role="main")
    second = services.product_asset_link(actor=None, product=toy, asset=upload("b.jpg"))
    page = merch.get(f"/admin/products/product/{toy.pk}/change/").content.decode()
    assert "drag to reorder" in page and page.count('loading="lazy"') == 2
    data = _form_data(toy)
    for n, (link, position) in enumerate([(main, 2), (second, 1)]):
        data |= {f"asset_links-{n}-id": link.pk, f"asset_links-{n}-product": toy.pk,
                 f"asset_links-{n}-asset": link.asset_id, f"asset_links-{n}-role": link.role,
                 f"asset_links-{n}-channel": "", f"asset_links-{n}-position": position}  # fmt: skip
    response = merch.post(f"/admin/products/product/{toy.pk}/change/", data)
    assert response.status_code == 302
    order = list(
        ProductAsset.objects.filter(product=toy)
        .order_by("role", "position")
        .values_list("asset__original_name", "role")
    )
    assert sorted(order, key=lambda r: r[1] != "main") == [("b.jpg", "main"), ("a.jpg", "gallery")]


def test_the_rows_of_pictures_prices_and_stock_on_the_product_form_are_not_titled_with_database_ids(
    merch, catalog
):
    toy = catalog.products[0]
    link = services.product_asset_link(actor=None, product=toy, asset=upload("a.jpg"), role="main")
    price = price_set(actor=None, product=toy, channel=catalog.google, amount="29.90")
    LocationFactory(code="WH", channels=[catalog.google])
    stock_apply_batch(actor=None, lines=[StockLine(sku=toy.sku, location="WH", quantity=12)])
    level = StockLevel.objects.get(product=toy)
    page = merch.get(f"/admin/products/product/{toy.pk}/change/").content.decode()
    assert "a.jpg" in page and "29.90" in page
    for row in (link, price, level):
        assert str(row) not in page


def test_others_may_look_but_only_merchandisers_upload(client, catalog):
    client.force_login(UserFactory(username="lea", roles=[Role.MARKETER]))
    assert client.get(URL).status_code == 200
    assert client.get(URL + "upload/").status_code == 403


def test_a_product_whose_picture_rights_ended_can_still_be_saved_but_not_given_another_expired_one(
    merch, catalog
):
    toy = catalog.products[0]
    link = services.product_asset_link(actor=None, product=toy, asset=upload("old.jpg"), role="main")
    ended = timezone.now() - timedelta(days=1)
    services.asset_update(actor=None, asset=link.asset, changes={"valid_until": ended})
    services.assets_flag_expired()
    other = upload("other.jpg")
    services.asset_update(actor=None, asset=other, changes={"valid_until": ended})
    services.assets_flag_expired()
    row = {"asset_links-0-id": link.pk, "asset_links-0-product": toy.pk,
           "asset_links-0-asset": link.asset_id, "asset_links-0-role": "main", "asset_links-0-channel": "",
           "asset_links-0-position": 1}  # fmt: skip
    kept = merch.post(f"/admin/products/product/{toy.pk}/change/", _form_data(toy) | row)
    assert kept.status_code == 302  # the linked picture, expired since, does not block the product's form
    toy.refresh_from_db()
    swapped = merch.post(
        f"/admin/products/product/{toy.pk}/change/", _form_data(toy) | row | {"asset_links-0-asset": other.pk}
    )
    assert swapped.status_code == 200
    assert "Choose an active picture of the library" in swapped.content.decode()
    assert ProductAsset.objects.get(pk=link.pk).asset_id == link.asset_id
