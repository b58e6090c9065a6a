"""The import's fast paths and where they must not cut corners: rows repeating what Noel holds skip
validation, and repeated SKUs are found in PostgreSQL, chunk after chunk."""

import pytest

from apps.exchange.tabular import ImportRejected
from apps.products.models import Category, Product
from tests.exchange.test_import import HEADER, run

ROW = "TOY-1;toys;plush;1;Renne;Doux;19.90;250;GRAM;wood,plush"


def test_the_same_data_spelled_otherwise_is_unchanged(shop):
    run(f"{HEADER}\n{ROW}\n")
    report = run(f"{HEADER}\nTOY-1; toys ;plush;yes; Renne ;Doux;19.90;250.0;GRAM;plush , wood\n")
    assert (report.unchanged, report.updated) == (1, 0)
    assert Product.objects.get(sku="TOY-1").version == 1


def test_an_amount_without_its_unit_column_takes_the_default_unit(shop):
    run("sku;family;weight;weight-unit\nTOY-1;toys;2;KILOGRAM\n")
    report = run("sku;weight\nTOY-1;2\n")
    assert report.updated == 1
    assert Product.objects.get(sku="TOY-1").values["weight"] == {"*": {"*": {"amount": "2", "unit": "GRAM"}}}


def test_a_unit_column_alone_clears_the_measurement(shop):
    run("sku;family;weight;weight-unit\nTOY-1;toys;2;GRAM\n")
    assert run("sku;weight-unit\nTOY-1;GRAM\n").updated == 1
    assert "weight" not in Product.objects.get(sku="TOY-1").values


def test_a_category_deleted_since_is_refused_even_when_the_row_is_unchanged(shop):
    run(f"{HEADER}\n{ROW}\n")
    Category.objects.filter(code="plush").delete()
    with pytest.raises(ImportRejected) as caught:
        run(f"{HEADER}\n{ROW}\n")
    [error] = caught.value.errors
    assert (error.row, error.column) == (2, "categories") and "plush" in error.reason


def test_an_unchanged_row_outside_the_importers_categories_is_refused(shop):
    from guardian.shortcuts import assign_perm

    run(f"{HEADER}\n{ROW.replace(';plush;', ';decorations;', 1)}\n")
    assign_perm("products.edit_products_in", shop.merchandiser, Category.objects.get(code="plush"))
    with pytest.raises(ImportRejected) as caught:
        run(f"{HEADER}\n{ROW.replace(';plush;', ';decorations;', 1)}\n", actor=shop.merchandiser)
    [error] = caught.value.errors
    assert (error.row, error.column, error.sku) == (2, "categories", "TOY-1")


def test_a_changed_cell_among_unchanged_rows_is_written(shop):
    lines = [HEADER] + [f"TOY-{n};toys;plush;1;Renne {n};Doux;19.90;250;GRAM;wood" for n in range(5)]
    run("\n".join(lines) + "\n")
    lines[3] = lines[3].replace("Renne 2", "Renne rouge")
    report = run("\n".join(lines) + "\n")
    assert (report.unchanged, report.updated) == (4, 1)
    toy = Product.objects.get(sku="TOY-2")
    assert toy.values["name"] == {"fr_FR": {"*": "Renne rouge"}} and toy.version == 2
    assert toy.events.count() == 2


def test_a_sku_repeated_in_a_later_chunk_is_refused_with_its_first_row(shop, monkeypatch):
    from apps.exchange.flat import imports

    monkeypatch.setattr(imports, "CHUNK", 2)
    with pytest.raises(ImportRejected) as caught:
        run("sku;family\nTOY-1;toys\nTOY-2;toys\nTOY-3;toys\ntoy-1;toys\nTOY-3;toys\n")
    assert [(e.row, e.sku, e.reason) for e in caught.value.errors] == [
        (5, "toy-1", "SKU appears again (first at row 2)"),
        (6, "TOY-3", "SKU appears again (first at row 4)"),
    ]
    assert not Product.objects.exists()


def test_a_unique_value_of_another_product_is_refused_with_its_owner(shop):
    run("sku;family;supplier_ref\nTOY-1;toys;ABC-1\n")
    with pytest.raises(ImportRejected) as caught:
        run("sku;family;supplier_ref\nTOY-2;toys;ABC-2\nTOY-3;toys;ABC-1\n")
    [error] = caught.value.errors
    assert (error.row, error.column, error.sku, error.value) == (3, "supplier_ref", "TOY-3", "ABC-1")
    assert "already used by TOY-1" in error.reason
    assert not Product.objects.filter(sku__in=["TOY-2", "TOY-3"]).exists()


def test_a_unique_value_taken_in_an_earlier_chunk_is_refused_and_the_rest_imports(shop, monkeypatch):
    from apps.exchange.flat import imports

    monkeypatch.setattr(imports, "CHUNK", 2)
    run("sku;family;supplier_ref\nTOY-1;toys;ABC-1\n")
    report = run(
        "sku;family;supplier_ref\nTOY-1;toys;ABC-1\nTOY-2;toys;ABC-2\nTOY-3;toys;ABC-3\nTOY-4;toys;ABC-2\n",
        skip_invalid=True,
    )
    assert (report.unchanged, report.created, report.rejected) == (1, 2, 1)
    [error] = report.errors
    assert (error.row, error.sku) == (5, "TOY-4") and "already used by TOY-2" in error.reason


def test_a_unique_value_written_two_chunks_before_refuses_its_row_and_the_chunks_others_import(
    shop, monkeypatch
):
    """The chunk's rows for the writer are built before its checks against Noel: the one refused there
    must not be written with them."""
    from apps.exchange.flat import imports

    monkeypatch.setattr(imports, "CHUNK", 2)
    report = run(
        "sku;family;supplier_ref\nTOY-2;toys;ABC-2\nTOY-3;toys;ABC-3\nTOY-5;toys;ABC-5\nTOY-6;toys;ABC-6\n"
        "TOY-4;toys;ABC-2\nTOY-7;toys;ABC-7\n",
        skip_invalid=True,
    )
    assert (report.created, report.rejected) == (5, 1)
    [error] = report.errors
    assert (error.row, error.sku) == (6, "TOY-4") and "already used by TOY-2" in error.reason
    assert set(Product.objects.values_list("sku", flat=True)) == {"TOY-2", "TOY-3", "TOY-5", "TOY-6", "TOY-7"}


def test_a_product_keeps_its_own_unique_value_when_it_changes_something_else(shop):
    run("sku;family;supplier_ref;name-fr_FR\nTOY-1;toys;ABC-1;Renne\n")
    assert run("sku;family;supplier_ref;name-fr_FR\nTOY-1;toys;ABC-1;Renne rouge\n").updated == 1


def test_variants_of_a_model_refused_for_a_unique_value_are_refused_too(shop):
    from apps.products.models import FamilyVariant

    shop.apparel.attributes.add(shop.toys.attributes.get(code="supplier_ref"))
    variant = FamilyVariant.objects.get(code="by_color_size")
    run("sku;family;family_variant;supplier_ref\nTAKEN;apparel;;ABC-9\n")
    report = run(
        "sku;family;family_variant;parent;supplier_ref;color;size\n"
        f"PULL;apparel;{variant.code};;ABC-9;;\n"
        "PULL-RED-S;apparel;;PULL;;red;s\n",
        skip_invalid=True,
    )
    assert [(e.row, e.column) for e in report.errors] == [(2, "supplier_ref"), (3, "parent")]
    assert not Product.objects.filter(sku__startswith="PULL").exists()
