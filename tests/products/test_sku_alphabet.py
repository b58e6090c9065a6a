"""A SKU is letters, digits, "-", "_" and ".", starting with a letter or a digit, 64 at most: every SKU
Noel takes is then one path segment of /api/v1/products/{sku}. The rest is refused on every write path."""

import pytest

from apps.exchange.tabular import ImportRejected
from apps.products import services
from apps.products.models import Product
from tests.api_helpers import bearer, token_for
from tests.exchange.test_import import run
from tests.products.test_admin import URL as ADMIN_URL
from tests.products.test_admin import _form_data

BAD = [
    "a/b",
    "..",
    ".",
    "../../etc/passwd",
    "a b",
    "a\tb",
    "é1",
    "-x",
    ".hidden",
    "a?b",
    "a#b",
    "a%2Fb",
    "x" * 65,
]
GOOD = ["TOY-1", "toy_1.v2", "JUMPER-red-M", "123", "A.B-C_D", "x" * 64]


@pytest.mark.parametrize("sku", BAD)
def test_the_api_refuses_a_sku_outside_the_alphabet(client, shop, sku):
    response = client.post(
        "/api/v1/products",
        {"sku": sku, "family": "toys"},
        content_type="application/json",
        **bearer(token_for()),
    )
    assert response.status_code in (400, 422) and response.json()["field"] == "sku", response.content
    assert "letters, digits" in response.json()["message"]
    assert not Product.objects.exists()


@pytest.mark.parametrize("sku", GOOD)
def test_every_sku_of_the_alphabet_is_reachable_at_its_address(client, shop, sku):
    erp = bearer(token_for())
    created = client.post(
        "/api/v1/products", {"sku": sku, "family": "toys"}, content_type="application/json", **erp
    )
    assert created.status_code == 201, created.content
    assert client.get(f"/api/v1/products/{sku}", **erp).json()["sku"] == sku


def test_the_admin_refuses_such_a_sku_when_adding_and_renaming(shop, client):
    client.force_login(shop.merchandiser)
    response = client.post(ADMIN_URL + "add/", {"sku": "a/b", "family": shop.toys.pk, "enabled": "on"})
    assert response.status_code == 200 and "letters, digits" in response.content.decode()
    product = services.product_create(actor=shop.merchandiser, sku="TOY-1", family=shop.toys)
    response = client.post(f"{ADMIN_URL}{product.pk}/change/", _form_data(product, sku="../x"))
    assert response.status_code == 200 and "letters, digits" in response.content.decode()
    assert list(Product.objects.values_list("sku", flat=True)) == ["TOY-1"]


def test_the_services_refuse_such_a_sku_on_every_write(shop):
    with pytest.raises(Exception, match="letters, digits"):
        services.products_bulk_create(actor=None, rows=[services.NewProduct(sku="a/b", family="toys")])
    product = services.product_create(actor=None, sku="TOY-1", family=shop.toys)
    with pytest.raises(Exception, match="letters, digits"):
        services.product_update(actor=None, product=product, expected_version=1, changes={"sku": "a b"})
    assert list(Product.objects.values_list("sku", flat=True)) == ["TOY-1"]


def test_an_import_refuses_the_row_naming_the_sku_column(shop):
    with pytest.raises(ImportRejected) as caught:
        run("sku;family\nTOY-1;toys\n../../etc/passwd;toys\n")
    [error] = caught.value.errors
    assert (error.row, error.column) == (3, "sku") and "letters, digits" in error.reason
    assert not Product.objects.filter(sku__contains="/").exists()
