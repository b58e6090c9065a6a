"""A merchandiser limited to the Toys subtree links pictures to toys only: by file name on upload, by
hand on the upload page, on the product form, through the API and the services; the whole upload is
refused, naming the file and the SKU, and nothing is stored."""

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.assets import services
from apps.assets.models import Asset, ProductAsset
from apps.core.batches import BatchRejected
from apps.core.services import api_token_create
from tests.assets.factories import picture, upload, zip_of
from tests.teams_helpers import toys_team

URL = "/admin/assets/asset/"


@pytest.fixture
def team(shop):
    return toys_team(shop)


def test_an_upload_naming_another_teams_sku_is_refused_whole(client, team):
    client.force_login(team.user)
    files = [
        SimpleUploadedFile("TOY-1_1.png", picture(64, 64, fmt="PNG")),
        SimpleUploadedFile("shoot.zip", zip_of({"DECO-1_1.jpg": picture(), "banner.jpg": picture(32, 32)})),
    ]
    response = client.post(URL + "upload/", {"files": files}, follow=True)
    assert "DECO-1_1.jpg: DECO-1 is not in your categories (toys)" in response.content.decode()
    assert not Asset.objects.exists() and not ProductAsset.objects.exists()


def test_the_upload_service_names_the_refused_files(team):
    files = [("TOY-1_1.jpg", picture()), ("deco-1-swatch.png", picture(fmt="PNG"))]
    with pytest.raises(BatchRejected) as caught:
        services.assets_upload_many(actor=team.user, files=files)
    assert [(e.index, e.sku, e.field) for e in caught.value.errors] == [(2, "deco-1-swatch.png", "file")]
    assert not Asset.objects.exists()


def test_linking_by_hand_to_another_teams_product_is_refused(client, team):
    client.force_login(team.user)
    banner = upload("banner.jpg")
    response = client.post(
        URL + "upload/", {"link": "1", "asset": banner.pk, "sku": "deco-1", "role": "gallery"}, follow=True
    )
    assert "DECO-1 is not in your categories (toys)" in response.content.decode()
    assert not ProductAsset.objects.exists()
    client.post(URL + "upload/", {"link": "1", "asset": banner.pk, "sku": "toy-1", "role": "gallery"})
    assert ProductAsset.objects.filter(product=team.toy, asset=banner).exists()


def test_the_link_services_refuse_another_teams_product(team):
    theirs = services.product_asset_link(actor=None, product=team.deco, asset=upload("a.jpg"))
    with pytest.raises(ValidationError, match="DECO-1 is not in your categories"):
        services.product_asset_link(actor=team.user, product=team.deco, asset=upload("b.jpg"))
    with pytest.raises(ValidationError, match="DECO-1 is not in your categories"):
        services.product_asset_unlink(actor=team.user, link=theirs)
    with pytest.raises(ValidationError, match="DECO-1 is not in your categories"):
        services.product_asset_reorder(actor=team.user, product=team.deco, link_ids=[theirs.pk])
    assert list(ProductAsset.objects.values_list("product__sku", flat=True)) == ["DECO-1"]


def test_the_api_links_only_to_the_teams_products(client, team):
    raw = api_token_create(actor=None, user=team.user, name="t", scopes=["read", "write"])[1]
    auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    asset = upload("a.jpg")
    response = client.post(
        f"/api/v1/assets/{asset.pk}/links", {"sku": "DECO-1"}, content_type="application/json", **auth
    )
    assert response.status_code == 404
    sent = client.post(
        "/api/v1/assets", {"file": SimpleUploadedFile("DECO-1_1.jpg", picture()), "sku": "DECO-1"}, **auth
    )
    assert sent.status_code == 404 and not ProductAsset.objects.exists()


def test_a_merchandiser_without_team_grants_links_to_any_product(shop, team):
    result = services.assets_upload_many(actor=shop.merchandiser, files=[("DECO-1_1.jpg", picture())])
    assert result.linked[0].link.product == team.deco


def test_an_assets_used_by_list_names_only_the_teams_products(client, shop, team):
    asset = services.asset_upload(actor=None, name="shared.jpg", data=picture()).asset
    for product in (team.toy, team.deco):
        services.product_asset_link(actor=None, product=product, asset=asset)
    client.force_login(team.user)
    page = client.get(f"{URL}{asset.pk}/change/").content.decode()
    assert "TOY-1" in page and "DECO-1" not in page
    raw = api_token_create(actor=None, user=team.user, name="team", scopes=["read"])[1]
    usage = client.get(f"/api/v1/assets/{asset.pk}", HTTP_AUTHORIZATION=f"Bearer {raw}").json()["usage"]
    assert [u["code"] for u in usage] == ["TOY-1"]
    client.force_login(shop.merchandiser)
    assert "DECO-1" in client.get(f"{URL}{asset.pk}/change/").content.decode()
