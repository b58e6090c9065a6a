"""The values of unique attributes are kept in UniqueValue by triggers on products, whichever way a
product is written, and the database refuses a value held twice even when two writes pass the check at
once."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from apps.exchange.tabular import ImportRejected
from apps.products import services, setup
from apps.products.models import Product, UniqueValue
from apps.products.values import ProductValidationError
from tests.exchange.test_import import run


def ref(value: str) -> dict:
    return {"supplier_ref": {"*": {"*": value}}}


def held() -> dict:
    return dict(UniqueValue.objects.values_list("value", "product__sku"))


def test_unique_values_follow_creations_changes_and_deletions(shop):
    toy = services.product_create(actor=None, sku="TOY-1", family=shop.toys, values=ref("ABC-1"))
    services.product_create(
        actor=None, sku="TOY-2", family=shop.toys, values={"name": {"fr_FR": {"*": "Sapin"}}}
    )
    assert held() == {"ABC-1": "TOY-1"}
    toy = services.product_update(
        actor=None, product=toy, expected_version=1, changes={"values": ref("ABC-2")}
    )
    assert held() == {"ABC-2": "TOY-1"}
    services.product_create(actor=None, sku="TOY-3", family=shop.toys, values=ref("ABC-1"))  # freed
    Product.objects.filter(sku="TOY-1").delete()
    assert held() == {"ABC-1": "TOY-3"}


def test_the_database_refuses_a_unique_value_held_twice_whatever_the_path(shop):
    services.product_create(actor=None, sku="TOY-1", family=shop.toys, values=ref("ABC-1"))
    other = services.product_create(actor=None, sku="TOY-2", family=shop.toys)
    with pytest.raises(IntegrityError), transaction.atomic():  # as a write that passed the check meanwhile
        Product.objects.filter(pk=other.pk).update(values=ref("ABC-1"))
    assert held() == {"ABC-1": "TOY-1"}


def test_the_single_write_check_names_the_holder(shop):
    services.product_create(actor=None, sku="TOY-1", family=shop.toys, values=ref("ABC-1"))
    with pytest.raises(ProductValidationError, match="'ABC-1' is already used by TOY-1"):
        services.product_create(actor=None, sku="TOY-2", family=shop.toys, values=ref("ABC-1"))


def test_a_unique_value_taken_elsewhere_while_its_file_is_imported_refuses_the_import(shop, monkeypatch):
    from apps.exchange.flat import imports

    monkeypatch.setattr(imports, "CHUNK", 2)

    def meanwhile(rows: int) -> None:
        if rows == 2:  # the first chunk is checked against Noel, not written yet
            services.product_create(actor=None, sku="OTHER", family=shop.toys, values=ref("ABC-2"))

    with pytest.raises(ImportRejected) as caught:
        run(
            "sku;family;supplier_ref\nTOY-1;toys;ABC-1\nTOY-2;toys;ABC-2\nTOY-3;toys;ABC-3\n",
            progress=meanwhile,
        )
    [error] = caught.value.errors
    assert (
        error.value == "ABC-2" and "was taken by another write while this file was imported" in error.reason
    )
    assert not Product.objects.exists() and not UniqueValue.objects.exists()


def test_an_attribute_stays_unique_or_not_as_it_was_created(shop):
    with pytest.raises(ValidationError, match="cannot change"):
        setup.attribute_save(actor=None, code="supplier_ref", type="identifier", fields={"unique": False})
    with pytest.raises(ValidationError, match="cannot change"):
        setup.attribute_save(actor=None, code="brand", type="text", fields={"unique": True})


def test_an_import_whose_unique_values_are_free_asks_noel_nothing_about_them(shop):
    """The database's index is the check: the per-value query is left for a file it refuses."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        report = run("sku;family;supplier_ref\nTOY-1;toys;ABC-1\nTOY-2;toys;ABC-2\n")
    assert report.created == 2 and held() == {"ABC-1": "TOY-1", "ABC-2": "TOY-2"}
    assert not [q for q in queries if "products_uniquevalue" in q["sql"]]


def test_a_file_the_index_refuses_is_imported_again_naming_every_row_and_nothing_is_written(shop):
    run("sku;family;supplier_ref\nTOY-1;toys;ABC-1\nTOY-2;toys;ABC-2\n")
    with pytest.raises(ImportRejected) as caught:
        run("sku;family;supplier_ref\nTOY-3;toys;ABC-1\nTOY-4;toys;ABC-4\nTOY-5;toys;ABC-2\n")
    assert [(e.row, e.sku, e.reason) for e in caught.value.errors] == [
        (2, "TOY-3", "'ABC-1' is already used by TOY-1"),
        (4, "TOY-5", "'ABC-2' is already used by TOY-2"),
    ]
    assert held() == {"ABC-1": "TOY-1", "ABC-2": "TOY-2"}


@pytest.mark.parametrize("clash", [False, True], ids=["index-checked", "asked-row-by-row"])
def test_products_of_one_chunk_may_swap_or_pass_on_their_unique_values(shop, clash):
    """Whether the index or the per-value query checks the file (a row held elsewhere makes it the query),
    a value given up in the same chunk is free: for another changed product and for a new one."""
    run("sku;family;supplier_ref\nTOY-1;toys;ABC-1\nTOY-2;toys;ABC-2\nTOY-9;toys;ABC-9\n")
    file = "sku;family;supplier_ref\nTOY-1;toys;ABC-2\nTOY-2;toys;ABC-3\nTOY-3;toys;ABC-1\n"
    report = run(file + ("TOY-4;toys;ABC-9\n" if clash else ""), skip_invalid=True)
    assert (report.created, report.updated, report.rejected) == (1, 2, int(clash))
    assert held() == {"ABC-2": "TOY-1", "ABC-3": "TOY-2", "ABC-1": "TOY-3", "ABC-9": "TOY-9"}


def test_a_value_is_not_given_up_by_a_product_refused_in_the_same_chunk(shop):
    run("sku;family;supplier_ref\nTOY-1;toys;ABC-1\nTOY-2;toys;ABC-2\nTOY-9;toys;ABC-9\n")
    report = run("sku;family;supplier_ref\nTOY-1;toys;ABC-2\nTOY-2;toys;ABC-9\n", skip_invalid=True)
    assert [(e.row, e.sku, e.reason) for e in report.errors] == [
        (3, "TOY-2", "'ABC-9' is already used by TOY-9"),
        (2, "TOY-1", "'ABC-2' is already used by TOY-2"),
    ]
    assert (report.updated, report.rejected) == (0, 2)
    assert held() == {"ABC-1": "TOY-1", "ABC-2": "TOY-2", "ABC-9": "TOY-9"}


def test_the_first_attempt_is_let_go_before_the_file_is_imported_again(shop, monkeypatch):
    """Its chunks, rows and products are garbage by then: an import's memory stays that of one attempt."""
    import weakref

    from apps.exchange.flat import imports

    run("sku;family;supplier_ref\nTOY-1;toys;ABC-1\n")
    attempts, alive = [], []
    made = imports.ProductImporter.__init__

    def remembered(self, **options):
        made(self, **options)
        attempts.append(weakref.ref(self))

    monkeypatch.setattr(imports.ProductImporter, "__init__", remembered)
    with pytest.raises(ImportRejected):
        run(
            "sku;family;supplier_ref\nTOY-2;toys;ABC-1\n",
            progress=lambda rows: alive.append([attempt() is not None for attempt in attempts]),
        )
    assert alive == [[True], [False, True]]
