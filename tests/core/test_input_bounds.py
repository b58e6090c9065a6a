"""Numbers, texts and nesting are bounded on the way in: out of bounds is a 400/422 naming the field, never
a 500, and nothing is written."""

import pytest

from apps.inventory.models import StockLevel
from apps.pricing.models import Price
from apps.products import services as product_services
from apps.products.models import Product
from tests.api_helpers import bearer, token_for
from tests.inventory.factories import LocationFactory


@pytest.fixture
def erp(shop):
    product_services.product_create(actor=None, sku="TOY-1", family=shop.toys)
    LocationFactory(code="WH", channels=[shop.web])
    return bearer(token_for())


def post(client, url, body, headers):
    return client.post(url, body, content_type="application/json", **headers)


@pytest.mark.parametrize(
    ("line", "field"),
    [
        ({"quantity": 1e30}, "quantity"),
        ({"quantity": 10**30}, "quantity"),
        ({"delta": 2**31}, "delta"),
        ({"delta": -(2**31)}, "delta"),
        ({"quantity": 2**31 - 1}, "quantity"),
    ],
)
def test_stock_out_of_bounds_is_refused_naming_the_field(client, erp, line, field):
    body = {"lines": [{"sku": "TOY-1", "location": "WH", **line}]}
    response = post(client, "/api/v1/stock/batch", body, erp)
    assert response.status_code in (400, 422), response.content
    assert field in response.content.decode()
    assert not StockLevel.objects.filter(on_hand__gt=0).exists()


def test_a_delta_past_the_largest_stock_is_refused(client, erp):
    post(
        client,
        "/api/v1/stock/batch",
        {"lines": [{"sku": "TOY-1", "location": "WH", "quantity": 999_999_999}]},
        erp,
    )
    response = post(
        client,
        "/api/v1/stock/batch",
        {"lines": [{"sku": "TOY-1", "location": "WH", "delta": 999_999_999}]},
        erp,
    )
    assert response.status_code == 422 and response.json()["details"]["lines"][0]["field"] == "delta"
    assert StockLevel.objects.get().on_hand == 999_999_999


@pytest.mark.parametrize("amount", ["1e999999", "1e12", "100000000", "1e-999999", "9" * 5000])
def test_a_price_out_of_bounds_is_refused_naming_the_amount(client, erp, amount):
    body = {"lines": [{"sku": "TOY-1", "channel": "web", "amount": amount}]}
    response = post(client, "/api/v1/prices/batch", body, erp)
    assert response.status_code in (400, 422), response.content[:500]
    assert "amount" in response.content.decode() and len(response.content) < 5000
    assert not Price.objects.exists()


def test_values_nested_900_deep_are_a_400_naming_values(client, erp):
    deep: list = []
    for _ in range(900):
        deep = [deep]
    response = post(
        client, "/api/v1/products", {"sku": "DEEP", "family": "toys", "values": {"name": deep}}, erp
    )
    assert response.status_code == 400 and (response.json()["field"] or "").startswith("values"), (
        response.content[:500]
    )
    patch = client.patch(
        "/api/v1/products/TOY-1",
        {"version": 1, "values": {"name": deep}},
        content_type="application/json",
        **erp,
    )
    assert patch.status_code == 400
    assert not Product.objects.filter(sku="DEEP").exists()


@pytest.mark.parametrize("amount", ["1e999999", "1e-999999", "1" * 200])
def test_a_measurement_out_of_bounds_is_refused_not_stored_as_a_million_digits(client, erp, amount):
    body = {"version": 1, "values": {"weight": {"*": {"*": {"amount": amount, "unit": "GRAM"}}}}}
    response = client.patch("/api/v1/products/TOY-1", body, content_type="application/json", **erp)
    assert response.status_code == 422 and response.json()["field"] == "weight", response.content[:500]
    assert len(response.content) < 5000
    assert "weight" not in Product.objects.get(sku="TOY-1").values


def test_a_text_area_longer_than_65535_characters_is_refused(client, erp):
    body = {"version": 1, "values": {"description": {"fr_FR": {"web": "x" * 65_536}}}}
    response = client.patch("/api/v1/products/TOY-1", body, content_type="application/json", **erp)
    assert response.status_code == 422 and response.json()["field"] == "description"
