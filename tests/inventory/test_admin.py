import pytest

from apps.inventory.models import StockLevel, StockMovement
from apps.products import services as product_services
from tests.inventory.factories import LocationFactory


@pytest.fixture
def merch(client, shop):
    client.force_login(shop.merchandiser)
    return client


def test_a_count_typed_in_the_admin_goes_through_the_stock_service(shop, admin_client):
    toy = product_services.product_create(actor=None, sku="TOY-1", family=shop.toys)
    location = LocationFactory(code="WH", channels=[shop.web])
    response = admin_client.post(
        "/admin/inventory/stocklevel/add/", {"product": toy.pk, "location": location.pk, "on_hand": "7"}
    )
    assert response.status_code == 302
    assert StockLevel.objects.get().on_hand == 7
    assert StockMovement.objects.get().actor_label == "admin"


def test_stock_level_list_is_bounded_in_queries(shop, admin_client, django_assert_max_num_queries):
    location = LocationFactory(code="WH", channels=[shop.web])
    for n in range(20):
        toy = product_services.product_create(actor=None, sku=f"TOY-{n}", family=shop.toys)
        StockLevel.objects.create(product=toy, location=location, on_hand=n)
    with django_assert_max_num_queries(15):
        assert admin_client.get("/admin/inventory/stocklevel/").status_code == 200
