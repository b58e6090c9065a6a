from decimal import Decimal

import pytest

from apps.pricing.models import Price
from apps.products import services as product_services
from tests.api_helpers import bearer, token_for


@pytest.fixture
def toy(shop):
    return product_services.product_create(actor=None, sku="TOY-1", family=shop.toys)


def post(client, body, headers, **extra):
    return client.post("/api/v1/prices/batch", body, content_type="application/json", **headers, **extra)


def test_a_price_batch_is_applied_once_per_idempotency_key(client, toy):
    erp = bearer(token_for())
    body = {"lines": [{"sku": "TOY-1", "channel": "web", "amount": "19.90"}]}
    first = post(client, body, erp, HTTP_IDEMPOTENCY_KEY="k1").json()
    again = post(client, body, erp, HTTP_IDEMPOTENCY_KEY="k1").json()
    assert (first["applied"], first["replayed"], again["replayed"]) == (1, False, True)
    assert Price.objects.get().amount == Decimal("19.90") and Price.objects.get().events.count() == 1


def test_an_invalid_batch_is_422_with_every_line_and_nothing_applied(client, toy):
    body = {
        "lines": [
            {"sku": "TOY-1", "channel": "web", "amount": "10"},
            {"sku": "GHOST", "channel": "web", "amount": "1"},
        ]
    }
    response = post(client, body, bearer(token_for()))
    assert response.status_code == 422
    assert response.json()["details"]["lines"] == [
        {"index": 1, "sku": "GHOST", "field": "sku", "message": "unknown SKU GHOST"}
    ]
    assert not Price.objects.exists()


def test_a_token_limited_to_a_channel_cannot_price_another(client, shop, toy):
    limited = bearer(token_for(channels=[shop.google]))
    response = post(client, {"lines": [{"sku": "TOY-1", "channel": "web", "amount": "10"}]}, limited)
    assert response.status_code == 403 and "web" in response.json()["message"]


def test_products_show_their_effective_prices(client, shop, toy, django_capture_on_commit_callbacks):
    erp = bearer(token_for())
    with django_capture_on_commit_callbacks(execute=True):
        post(client, {"lines": [{"sku": "TOY-1", "channel": "web", "amount": "19.9"}]}, erp)
    item = client.get("/api/v1/products/TOY-1", **erp).json()
    assert item["prices"] == [
        {
            "channel": "web",
            "price": "19.90 EUR",
            "regular_price": "19.90 EUR",
            "promotion": None,
            "reference_price": None,
            "valid_from": None,
            "valid_until": None,
        }
    ]
