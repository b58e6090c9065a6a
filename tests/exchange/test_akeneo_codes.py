"""Akeneo's export as Akeneo holds it (#36): codes match whatever their case, as in Akeneo, and a
product without a family is imported with its values."""

import shutil
from pathlib import Path

import pytest

from apps.exchange.akeneo.imports import catalog_import
from apps.products.models import Product

AKENEO = Path(__file__).parent / "data" / "akeneo"


@pytest.fixture
def export(tmp_path) -> Path:
    target = tmp_path / "export"
    shutil.copytree(AKENEO, target)
    return target


def spoil(folder: Path, name: str, old: str, new: str) -> None:
    path = folder / name
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def add_product(folder: Path, **cells: str) -> None:
    """A row of products.csv, its other cells empty (as Akeneo writes them)."""
    path = folder / "products.csv"
    text = path.read_text(encoding="utf-8")
    header = text.splitlines()[0].split(";")
    assert set(cells) <= set(header), set(cells) - set(header)
    path.write_text(text + ";".join(cells.get(column, "") for column in header) + "\n", encoding="utf-8")


def test_variant_rows_find_their_parent_whatever_its_case(db, export):
    spoil(export, "products.csv", ";tshirt_classic_red;", ";TShirt_Classic_RED;")
    spoil(
        export,
        "product_models.csv",
        ";tshirts_color_size;tshirt_classic;",
        ";tshirts_color_size;TSHIRT_CLASSIC;",
    )
    report = catalog_import(actor=None, paths=[export])
    assert report.error_count == 0, report.errors
    assert Product.objects.get(sku="TS-CL-RED-S").parent.sku == "tshirt_classic_red"
    assert Product.objects.get(sku="tshirt_classic_blue").parent.sku == "tshirt_classic"
    again = catalog_import(actor=None, paths=[export])
    assert (again.error_count, again.updated) == (0, 0), again.errors


def test_a_product_without_family_is_imported_with_its_values(db, export):
    add_product(
        export,
        sku="GIFT-BOX",
        categories="home",
        enabled="1",
        **{"name-en_US": "Gift box", "color": "red", "price-EUR": "5.00"},
    )
    report = catalog_import(actor=None, paths=[export])
    assert report.error_count == 0, report.errors
    gift = Product.objects.get(sku="GIFT-BOX")
    assert gift.values["name"] == {"en_US": {"*": "Gift box"}} and gift.values["color"] == {"*": {"*": "red"}}
    assert gift.values["price"] == {"*": {"*": {"EUR": "5.00"}}}
    assert gift.family.code == "without_family" and not gift.family.requirements.exists()
    assert Product.objects.get(sku="CUSH-LIN-01").family.code == "cushions", "the others keep theirs"
    again = catalog_import(actor=None, paths=[export])
    assert (again.error_count, again.updated) == (0, 0), again.errors


def test_a_variant_row_without_family_takes_its_parents(db, export):
    spoil(export, "products.csv", "TS-CL-RED-S;tshirts;1;tshirts;", "TS-CL-RED-S;tshirts;1;;")
    report = catalog_import(actor=None, paths=[export])
    assert report.error_count == 0, report.errors
    assert Product.objects.get(sku="TS-CL-RED-S").family.code == "tshirts"
