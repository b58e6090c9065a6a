"""The DAM over the REST API, as an integration calls it."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.assets import services
from apps.assets.models import Asset, ProductAsset
from apps.core.models import Role
from tests.api_helpers import bearer, token_for
from tests.assets.factories import picture, upload

pytestmark = pytest.mark.django_db
API = "/api/v1/assets"


@pytest.fixture
def erp(catalog):
    return bearer(token_for())


@pytest.fixture
def merch_token(catalog):
    return bearer(token_for(roles=(Role.MERCHANDISER,), username="margot-api"))


def test_a_multipart_upload_is_checked_stored_and_linked_and_a_second_one_is_recognised(
    client, merch_token, django_capture_on_commit_callbacks
):
    data = picture(1600, 1200)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            API,
            {"file": SimpleUploadedFile("TOY-1.jpg", data), "sku": "toy-1", "role": "main"},
            **merch_token,
        )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["created"], body["link"]["sku"], body["link"]["role"]) == (True, "TOY-1", "main")
    assert body["asset"]["url"].startswith("http://testserver/media/assets/")
    again = client.post(API, {"file": SimpleUploadedFile("again.jpg", data)}, **merch_token).json()
    assert (again["created"], again["asset"]["id"]) == (False, body["asset"]["id"])
    detail = client.get(f"{API}/{body['asset']['id']}", **merch_token).json()
    assert detail["usage"] == [{"kind": "product", "code": "TOY-1", "detail": "main", "channel": None}]
    assert detail["renditions"]["google_feed"]["width"] == 1200


def test_a_bad_upload_is_422_with_the_reason_and_nothing_stored(client, merch_token):
    response = client.post(API, {"file": SimpleUploadedFile("photo.jpg", picture(fmt="PNG"))}, **merch_token)
    assert response.status_code == 422
    assert (
        response.json()["field"] == "file"
        and "extension .jpg says a JPEG image" in response.json()["message"]
    )
    assert not Asset.objects.exists()


def test_linking_by_sku_and_channel(client, merch_token, catalog):
    asset = upload()
    response = client.post(
        f"{API}/{asset.pk}/links",
        {"sku": "TOY-2", "role": "main", "channel": "google"},
        content_type="application/json",
        **merch_token,
    )
    assert response.status_code == 201 and response.json()["channel"] == "google"
    assert ProductAsset.objects.filter(asset=asset, product__sku="TOY-2", channel=catalog.google).exists()


def test_an_integrator_cannot_link_without_the_right_and_a_read_token_cannot_upload(client, catalog):
    read_only = bearer(token_for(roles=(Role.MERCHANDISER,), scopes=("read",), username="reader"))
    response = client.post(API, {"file": SimpleUploadedFile("a.jpg", picture())}, **read_only)
    assert response.status_code == 403 and "lacks the write scope" in response.json()["message"]


def test_the_list_pages_by_id_in_a_constant_number_of_queries(client, erp, django_assert_max_num_queries):
    for n in range(6):
        upload(f"p{n}.jpg", tags=["xmas"] if n % 2 else [])
    with django_assert_max_num_queries(8):
        first = client.get(f"{API}?limit=2", **erp).json()
    with django_assert_max_num_queries(8):
        everything = client.get(f"{API}?limit=200", **erp).json()
    assert len(first["items"]) == 2 and first["next_after"] == first["items"][-1]["id"]
    assert len(everything["items"]) == 6 and everything["next_after"] is None
    assert len(client.get(f"{API}?tag=xmas", **erp).json()["items"]) == 3


def test_products_carry_their_pictures_with_rendition_urls_in_a_constant_number_of_queries(
    client, erp, catalog, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    with django_capture_on_commit_callbacks(execute=True):
        for product in catalog.products:
            services.asset_upload(
                actor=None, name="m.jpg", data=picture(900, 900), product=product, role="main"
            )
            services.asset_upload(actor=None, name="g.jpg", data=picture(), product=product)
    detail = client.get("/api/v1/products/TOY-1", **erp).json()
    assert [(p["role"], p["position"]) for p in detail["assets"]] == [("main", 1), ("gallery", 1)]
    main = next(p for p in detail["assets"] if p["role"] == "main")
    assert main["renditions"]["google_feed"]["url"].startswith("http://testserver/media/renditions/")
    with django_assert_max_num_queries(20) as few:
        client.get("/api/v1/products?limit=1&fields=assets", **erp)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get("/api/v1/products?limit=200&fields=assets", **erp).json()
    assert all(len(p["assets"]) == 2 for p in page["items"])
