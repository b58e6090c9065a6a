import pytest

from apps.products import services as product_services
from tests.inventory.factories import LocationFactory


@pytest.fixture(autouse=True)
def loopback_webhooks(settings):
    """Receivers in these tests listen on loopback, which Noel refuses in production."""
    settings.NOEL_WEBHOOK_ALLOW_PRIVATE = True
    settings.NOEL_WEBHOOK_TIMEOUT = 1.0
    settings.NOEL_WEBHOOK_SEND_BUDGET = 10.0


@pytest.fixture
def catalog(shop):
    product_services.product_create(actor=None, sku="TOY-1", family=shop.toys)
    product_services.product_create(actor=None, sku="TOY-2", family=shop.toys)
    LocationFactory(code="WH", channels=[shop.web, shop.google])
    from apps.events import services

    # what setting up announced is in the change feed before any endpoint exists
    services.outbox_dispatch()
    return shop


def stock(sku: str, quantity: int) -> None:
    from apps.inventory import services

    services.stock_apply_batch(
        actor=None, lines=[services.StockLine(sku=sku, location="WH", quantity=quantity)]
    )
