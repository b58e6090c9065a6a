"""The import's fast paths and where they must not cut corners: rows repeating what Noel holds skip
validation, and repeated SKUs are found in PostgreSQL, chunk after chunk."""

import pytest

from apps.core.tabular import ImportRejected
from apps.products.models import Category, Product
from tests.products.test_import import HEADER, run

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
    from apps.products import imports

    monkeypatch.setattr(imports, "CHUNK", 2)
    with pytest.raises(ImportRejected) as caught:
        run("sku;family\nTOY-1;toys\nTOY-2;toys\nTOY-3;toys\ntoy-1;toys\nTOY-3;toys\n")
    assert [(e.row, e.sku, e.reason) for e in caught.value.errors] == [
        (5, "toy-1", "SKU appears again (first at row 2)"),
        (6, "TOY-3", "SKU appears again (first at row 4)"),
    ]
    assert not Product.objects.exists()
