import io
from decimal import Decimal

import pytest

from apps.exchange.flat.prices import prices_import
from apps.exchange.tabular import ImportRejected
from apps.pricing.models import Price
from apps.products import services as product_services


@pytest.fixture
def toys(shop):
    for sku in ("TOY-1", "TOY-2"):
        product_services.product_create(actor=None, sku=sku, family=shop.toys)


def run(shop, text: str, **options):
    return prices_import(
        actor=shop.merchandiser, handle=io.BytesIO(text.encode()), name="prices.csv", **options
    )


def test_a_price_file_sets_prices_through_the_guard_rails(shop, toys):
    report = run(shop, "sku;channel;currency;amount;compare_at\nTOY-1;web;EUR;19,90;25\nTOY-2;web;;9.99;\n")
    assert (report.created, report.updated) == (2, 0) and not report.errors, "new prices are created"
    price = Price.objects.get(product__sku="TOY-1")
    assert (price.amount, price.compare_at, price.currency_id) == (Decimal("19.90"), Decimal("25"), "EUR")
    assert price.events.get().pgh_context.metadata["source"] == "import"


@pytest.mark.parametrize(
    ("text", "row", "column", "words"),
    [
        ("sku;channel\nTOY-1;web\n", 1, "amount", "needs a amount column"),
        ("sku;channel;amount\nTOY-1;web;1\nGHOST;web;2\n", 3, "sku", "unknown SKU GHOST"),
        ("sku;channel;amount\nTOY-1;shop;1\n", 2, "channel", "unknown channel shop"),
        ("sku;channel;amount;compare_at\nTOY-1;web;10;5\n", 2, "compare_at", "must be above"),
        ("sku;channel;amount\nTOY-1;web;=1+1\n", 2, "amount", "formula"),
        ("sku;channel;amount\nTOY-1;web;\n", 2, "amount", "empty"),
    ],
)
def test_a_bad_price_row_refuses_the_file_with_its_row_and_column(shop, toys, text, row, column, words):
    with pytest.raises(ImportRejected) as caught:
        run(shop, text)
    error = caught.value.errors[0]
    assert (error.row, error.column) == (row, column) and words in error.reason
    assert not Price.objects.exists()


def test_skip_invalid_applies_the_good_price_rows(shop, toys):
    report = run(shop, "sku;channel;amount\nTOY-1;web;1\nGHOST;web;2\n", skip_invalid=True)
    assert report.rejected == 1 and Price.objects.count() == 1
