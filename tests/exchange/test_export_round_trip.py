"""What the API accepts, every export writes and every import reads back unchanged (#40): nasty text
(control characters, quotes, line breaks, a lone \\r, leading = + - @, any unicode) through the API,
out as CSV and XLSX, and in again."""

import io
import itertools

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apps.exchange.flat.imports import products_import
from apps.products.models import Product
from tests.api_helpers import bearer, token_for

URL = "/api/v1/products"
NASTY = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=60
) | st.sampled_from(
    ["=HYPERLINK(\"x\")", "+cmd|' /C calc'!A0", "@SUM(1)", "-5", "'=x", "a\rb", "a\r\nb\nc", "\x0bvt",
     "\x1f_x000B_", 'say "hi";,', "\ttab", "Noël 🎄", " lead", "trail "]
)  # fmt: skip
_skus = itertools.count()


def _export(client, headers, file_format: str) -> bytes:
    response = client.get(f"{URL}/export?format={file_format}", **headers)
    assert response.status_code == 200, f"the {file_format} export answered {response.status_code}"
    return b"".join(response.streaming_content)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=NASTY, description=NASTY, brand=NASTY)
def test_any_text_the_api_accepts_exports_and_imports_back_unchanged(shop, client, name, description, brand):
    headers = bearer(token_for(username=f"erp-{next(_skus)}"))
    sku = f"RT-{next(_skus)}"
    values = {
        "name": {"fr_FR": {"*": name}},
        "description": {"fr_FR": {"web": description}},
        "brand": {"*": {"*": brand}},
    }
    created = client.post(
        URL, {"sku": sku, "family": "toys", "values": values}, content_type="application/json", **headers
    )
    assert created.status_code in (201, 400, 422), created.content
    if created.status_code != 201:
        return  # refused on the way in, with a reason: nothing to carry through the files
    stored = Product.objects.get(sku=sku).values
    for file_format in ("csv", "xlsx"):
        body = _export(client, headers, file_format)
        again = products_import(actor=shop.merchandiser, handle=io.BytesIO(body), name=f"p.{file_format}")
        assert (again.error_count, again.created, again.updated) == (0, 0, 0), again.as_dict()
        assert Product.objects.get(sku=sku).values == stored
        Product.objects.filter(sku=sku).delete()
        anew = products_import(actor=shop.merchandiser, handle=io.BytesIO(body), name=f"p.{file_format}")
        assert (anew.error_count, anew.created) == (0, 1), anew.as_dict()
        assert Product.objects.get(sku=sku).values == stored
    Product.objects.filter(sku=sku).delete()


def test_a_sku_a_spreadsheet_would_run_is_refused_and_one_kept_from_before_exports_escaped(shop, client):
    headers = bearer(token_for(username="erp-skus"))
    for sku in ("-ABC", "=1+1", "+33", "@SUM"):
        response = client.post(
            URL, {"sku": sku, "family": "toys"}, content_type="application/json", **headers
        )
        assert response.status_code == 422 and "A SKU is made of letters" in response.json()["message"]
    assert not Product.objects.exists()
    # a SKU written before the SKU alphabet existed (the database holds what it was given then)
    created = client.post(URL, {"sku": "ABC", "family": "toys"}, content_type="application/json", **headers)
    assert created.status_code == 201
    Product.objects.filter(sku="ABC").update(sku="-ABC")
    body = _export(client, headers, "csv").decode()
    assert "\n'-ABC;" in body and "\n-ABC;" not in body


def test_a_text_longer_than_an_xlsx_cell_holds_is_refused_in_xlsx_not_truncated(shop, client):
    headers = bearer(token_for(username="erp-long"))
    long = "Un très long texte. " * 2000  # 40,000 characters; an XLSX cell holds 32,767
    values = {"description": {"fr_FR": {"web": long}}}
    created = client.post(
        URL, {"sku": "LONG-1", "family": "toys", "values": values}, content_type="application/json", **headers
    )
    assert created.status_code == 201
    response = client.get(f"{URL}/export?format=xlsx", **headers)
    assert response.status_code == 422
    message = response.json()["message"]
    assert "LONG-1" in message and "description-fr_FR-web" in message and "CSV" in message
    body = _export(client, headers, "csv")  # a CSV holds it whole, and reads back unchanged
    report = products_import(actor=shop.merchandiser, handle=io.BytesIO(body), name="p.csv")
    assert (report.error_count, report.unchanged) == (0, 1)
    assert Product.objects.get(sku="LONG-1").values["description"]["fr_FR"]["web"] == long
    client.force_login(shop.merchandiser)
    pk = Product.objects.get(sku="LONG-1").pk
    page = client.post(
        "/admin/products/product/",
        {"action": "export_selection", "_selected_action": [pk], "apply": "1", "file_format": "xlsx",
         "delimiter": ";"},
    )  # fmt: skip
    assert page.status_code == 200 and "LONG-1" in page.content.decode()
    assert "an XLSX cell holds at most 32,767 characters" in page.content.decode()
