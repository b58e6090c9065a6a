import pytest

from apps.core.models import Role
from apps.products import flat, services
from apps.products.models import Product
from tests.api_helpers import bearer, token_for
from tests.products.fixtures import texts

URL = "/api/v1/products"


@pytest.fixture
def catalog(shop):
    for n in range(12):
        services.product_create(
            actor=None,
            sku=f"TOY-{n:02d}",
            family=shop.toys,
            categories=["plush" if n % 2 else "toys"],
            values={
                "name": texts(f"Renne {n}", f"Reindeer {n}"),
                "description": {"fr_FR": {"web": "Doux", "google": "Doux G"}},
            },
        )
    return shop


@pytest.fixture
def erp(catalog):
    return bearer(token_for())


def test_product_list_pages_with_a_cursor_in_the_same_number_of_queries_whatever_the_page_size(client, erp):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(URL, **erp)  # warm-up: token last use, content types
    counts = {}
    for limit in (2, 10):
        seen, cursor, per_page = [], None, set()
        while True:
            with CaptureQueriesContext(connection) as queries:
                body = client.get(
                    URL, {"limit": limit, **({"cursor": cursor} if cursor else {})}, **erp
                ).json()
            per_page.add(len(queries))
            seen += [item["sku"] for item in body["items"]]
            cursor = body["next_cursor"]
            if not cursor:
                break
        assert seen == [f"TOY-{n:02d}" for n in range(12)]
        counts[limit] = per_page
    assert counts[2] == counts[10] and max(counts[2]) <= 12, counts


def test_product_list_filters_and_selects_fields(client, erp):
    body = client.get(
        URL, {"category": "plush", "fields": "sku,values,prices", "channels": "web"}, **erp
    ).json()
    item = body["items"][0]
    assert [i["sku"] for i in body["items"]] == [f"TOY-{n:02d}" for n in range(1, 12, 2)]
    assert set(item) == {"sku", "values", "prices"}
    assert item["values"]["description"] == {"fr_FR": {"web": "Doux"}}


def test_product_list_shows_what_is_not_ready_for_a_channel(client, erp):
    body = client.get(URL, {"incomplete_for": "google:fr_FR"}, **erp).json()
    assert len(body["items"]) == 12
    assert body["items"][0]["completeness"][0]["missing"] == ["brand"]


def test_detail_answers_304_when_unchanged_and_200_after_a_change(client, erp, catalog):
    first = client.get(f"{URL}/TOY-01", **erp)
    etag = first["ETag"]
    assert first.json()["values"]["name"]["en_GB"]["*"] == "Reindeer 1"
    assert client.get(f"{URL}/TOY-01", HTTP_IF_NONE_MATCH=etag, **erp).status_code == 304
    product = Product.objects.get(sku="TOY-01")
    services.product_update(actor=None, product=product, expected_version=1, changes={"enabled": False})
    assert client.get(f"{URL}/TOY-01", HTTP_IF_NONE_MATCH=etag, **erp).status_code == 200


def test_create_validates_like_the_admin_and_answers_422_naming_the_value(client, erp):
    response = client.post(
        URL,
        {"sku": "NEW", "family": "toys", "values": {"age_min": {"*": {"*": "99"}}}},
        content_type="application/json",
        **erp,
    )
    assert response.status_code == 422
    body = response.json()
    assert (body["code"], body["field"]) == ("invalid_values", "age_min")
    assert "99 is above the maximum 18" in body["message"]
    assert not Product.objects.filter(sku="NEW").exists()
    created = client.post(URL, {"sku": "NEW", "family": "toys"}, content_type="application/json", **erp)
    assert created.status_code == 201 and created.json()["version"] == 1


def test_bad_json_shape_is_a_400_naming_the_field(client, erp):
    response = client.post(URL, {"family": "toys"}, content_type="application/json", **erp)
    assert response.status_code == 400 and response.json()["field"] == "sku"


def test_update_needs_the_version_and_refuses_a_stale_one_with_409(client, erp):
    patch = {"values": {"name": {"fr_FR": {"*": "Renne géant"}}}}
    assert client.patch(f"{URL}/TOY-01", patch, content_type="application/json", **erp).status_code == 428
    etag = client.get(f"{URL}/TOY-01", **erp)["ETag"]
    ok = client.patch(f"{URL}/TOY-01", patch, content_type="application/json", HTTP_IF_MATCH=etag, **erp)
    assert ok.status_code == 200 and ok.json()["version"] == 2
    stale = client.patch(
        f"{URL}/TOY-01", {"enabled": False}, content_type="application/json", HTTP_IF_MATCH=etag, **erp
    )
    assert stale.status_code == 409
    assert stale.json()["details"]["changed"]["name-fr_FR"] == ["Renne 1", "Renne géant"]


def test_a_read_only_token_cannot_write(client, catalog):
    reader = bearer(token_for(scopes=["read"], username="crm"))
    assert client.get(URL, **reader).status_code == 200
    response = client.post(URL, {"sku": "X", "family": "toys"}, content_type="application/json", **reader)
    assert response.status_code == 403 and "lacks the write scope" in response.json()["message"]


def test_a_person_without_the_permission_cannot_write_whatever_the_token(client, catalog):
    marketer = bearer(token_for(roles=[Role.MARKETER], username="lea"))
    response = client.post(URL, {"sku": "X", "family": "toys"}, content_type="application/json", **marketer)
    assert response.status_code == 403


def test_unknown_product_is_404_in_the_error_shape(client, erp):
    response = client.get(f"{URL}/NOPE", **erp)
    assert response.status_code == 404 and response.json()["code"] == "not_found"


def test_reference_data_lists_categories_attributes_and_families(client, erp):
    categories = client.get("/api/v1/categories", **erp).json()
    assert {"code": "plush", "parent": "toys", "labels": {"en_GB": "Plush"}} in categories
    families = {f["code"]: f for f in client.get("/api/v1/families", **erp).json()}
    assert families["toys"]["requirements"]["google"] == ["brand", "name"]
    attributes = {a["code"]: a for a in client.get("/api/v1/attributes", **erp).json()}
    assert attributes["name"]["localizable"] is True


def test_the_openapi_document_describes_the_endpoints(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert {
        "/api/v1/products",
        "/api/v1/products/{sku}",
        "/api/v1/prices/batch",
        "/api/v1/stock/batch",
    } <= set(paths)


def test_the_interactive_docs_load_their_assets_locally(client):
    page = client.get("/api/v1/docs").content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in page and "cdn." not in page


def test_nul_characters_in_a_body_are_bad_input_not_a_crash(client, erp):
    response = client.post(URL, {"sku": "A\u0000B", "family": "toys"}, content_type="application/json", **erp)
    assert response.status_code == 400 and response.json()["field"] == "sku"


def test_four_eyes_hold_through_the_api(client, catalog):
    from apps.core.models import User

    author = bearer(token_for(roles=[Role.MERCHANDISER, Role.APPROVER], username="both"))
    approver = bearer(token_for(roles=[Role.APPROVER], username="arthur2"))
    patch = {"version": 1, "values": {"brand": {"*": {"*": "Noel"}}}}
    assert client.patch(f"{URL}/TOY-01", patch, content_type="application/json", **author).status_code == 200
    assert client.post(f"{URL}/TOY-01/submit", **author).json()["status"] == "in_review"
    own = client.post(f"{URL}/TOY-01/approve", {"comment": ""}, content_type="application/json", **author)
    assert own.status_code == 403 and "another approver" in own.json()["message"]
    ok = client.post(f"{URL}/TOY-01/approve", {"comment": "ok"}, content_type="application/json", **approver)
    assert ok.status_code == 200 and ok.json()["status"] == "approved"
    assert Product.objects.get(sku="TOY-01").reviews.first().actor == User.objects.get(username="arthur2")


def test_tokens_never_reach_the_logs(client, catalog, caplog):
    raw = token_for(scopes=["read"], username="crm")
    with caplog.at_level("DEBUG"):
        client.post(URL, {"sku": "X", "family": "toys"}, content_type="application/json", **bearer(raw))
        client.get(f"{URL}/NOPE", **bearer(raw))
    secret = raw.split("_", 2)[2]  # secrets may themselves contain "_"
    assert caplog.records and raw not in caplog.text and secret not in caplog.text


def test_updated_since_accepts_any_offset(client, erp):
    response = client.get(URL, {"updated_since": "2026-11-01T00:00:00-18:48"}, **erp)
    assert response.status_code == 200 and len(response.json()["items"]) == 12


def test_export_gives_the_filtered_list_as_a_flat_file_in_a_constant_number_of_queries(
    client, erp, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = []
    b"".join(client.get("/api/v1/products/export", **erp).streaming_content)  # caches warmed up
    for url in ("/api/v1/products/export?category=plush", "/api/v1/products/export?category=toys"):
        with CaptureQueriesContext(connection) as queries, django_assert_max_num_queries(20):
            b"".join(client.get(url, **erp).streaming_content)
        counts.append(len(queries))
    assert counts[0] == counts[1], "6 products or 12: the same queries"
    url = "/api/v1/products/export?category=plush&attributes=name&locales=en_GB&delimiter=,"
    response = client.get(url, **erp)
    lines = b"".join(response.streaming_content).decode().splitlines()
    assert response["Content-Type"].startswith("text/csv")
    assert lines[0].split(",") == [*flat.BASE_COLUMNS, "name-en_GB"]
    assert [line.split(",")[0] for line in lines[1:]] == [f"TOY-{n:02d}" for n in range(1, 12, 2)]


def test_export_as_xlsx_keeps_a_channel_limited_token_to_its_channels(client, catalog):
    import io

    import openpyxl

    web_only = bearer(token_for(channels=[catalog.web], username="shop"))
    response = client.get("/api/v1/products/export?format=xlsx", **web_only)
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    header = [cell.value for cell in next(sheet.iter_rows())]
    assert "description-fr_FR-web" in header and "description-fr_FR-google" not in header
    assert sheet.max_row == 13
    asked = client.get("/api/v1/products/export?channels=google", **web_only)
    assert not any(
        "google" in c for c in b"".join(asked.streaming_content).decode().splitlines()[0].split(";")
    )
