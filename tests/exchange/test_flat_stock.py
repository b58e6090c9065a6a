import io

import pytest

from apps.exchange.flat.stock import stock_import
from apps.exchange.tabular import ImportRejected
from apps.inventory.models import StockLevel, StockMovement
from apps.products import services as product_services
from tests.core.factories import UserFactory
from tests.inventory.factories import LocationFactory


@pytest.fixture
def integrator(shop):
    from apps.core.models import Role

    product_services.product_create(actor=None, sku="TOY-1", family=shop.toys)
    LocationFactory(code="PARIS")
    return UserFactory(username="ines", roles=[Role.INTEGRATOR])


def run(actor, text: str, **options):
    return stock_import(actor=actor, handle=io.BytesIO(text.encode()), name="stock.csv", **options)


def test_a_stock_file_sets_quantities_and_keeps_movements(integrator):
    report = run(integrator, "sku,location,quantity\r\nTOY-1,PARIS,12\r\n")
    assert report.updated == 1
    assert StockLevel.objects.get(product__sku="TOY-1").on_hand == 12
    assert StockMovement.objects.get().source == "import"
    assert run(integrator, "sku,location,quantity\nTOY-1,PARIS,12\n").unchanged == 1


@pytest.mark.parametrize(
    ("text", "row", "column", "words"),
    [
        ("sku,location,quantity\nTOY-1,PARIS,douze\n", 2, "quantity", "not a whole number"),
        ("sku,location,quantity\nTOY-1,LYON,1\n", 2, "location", "unknown location LYON"),
        ("sku,location,quantity\nTOY-1,PARIS,-3\n", 2, "quantity", "negative"),
    ],
)
def test_a_bad_stock_row_refuses_the_file(integrator, text, row, column, words):
    with pytest.raises(ImportRejected) as caught:
        run(integrator, text)
    error = caught.value.errors[0]
    assert (error.row, error.column) == (row, column) and words in error.reason
    assert not StockLevel.objects.filter(on_hand__gt=0).exists()
