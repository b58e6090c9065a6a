import pytest

from apps.inventory.models import StockLevel
from apps.products import services as product_services
from tests.api_helpers import bearer, token_for, token_kept_after_moving_to
from tests.inventory.factories import LocationFactory


@pytest.fixture
def setup(shop):
    product_services.product_create(actor=None, sku="TOY-1", family=shop.toys)
    LocationFactory(code="WH", channels=[shop.web, shop.google])
    return shop


def test_the_erp_sets_stock_and_products_show_availability_per_channel(client, setup):
    erp = bearer(token_for())
    response = client.post(
        "/api/v1/stock/batch",
        {"lines": [{"sku": "TOY-1", "location": "WH", "quantity": 4}]},
        content_type="application/json",
        **erp,
    )
    assert response.status_code == 200 and response.json()["changed"] == 1
    assert client.get("/api/v1/products/TOY-1", **erp).json()["availability"] == {"google": 4, "web": 4}
    client.post(
        "/api/v1/stock/batch",
        {"lines": [{"sku": "TOY-1", "location": "WH", "quantity": 0}]},
        content_type="application/json",
        **erp,
    )
    assert client.get("/api/v1/products/TOY-1", **erp).json()["availability"] == {"google": 0, "web": 0}


def test_a_retried_stock_delta_applies_once(client, setup):
    erp = bearer(token_for())
    body = {"lines": [{"sku": "TOY-1", "location": "WH", "delta": 5}]}
    for _ in range(2):
        client.post(
            "/api/v1/stock/batch", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="till-9", **erp
        )
    assert StockLevel.objects.get().on_hand == 5


def test_store_staff_cannot_push_stock(client, setup):
    """Store staff have no API (docs/stores.md): their session gets 401, and so would a token of theirs."""
    from apps.core.models import Role
    from tests.core.factories import UserFactory

    client.force_login(UserFactory(username="sam", is_staff=False, roles=[Role.STORE_STAFF]))
    response = client.post("/api/v1/stock/batch", {"lines": []}, content_type="application/json")
    assert response.status_code == 401
    staff = bearer(token_kept_after_moving_to(roles=[Role.STORE_STAFF], username="sam-token"))
    response = client.post("/api/v1/stock/batch", {"lines": []}, content_type="application/json", **staff)
    assert response.status_code == 401
