"""How the files of an export folder are read (#36): a one-column file is a file, files Noel has no use
for are skipped and named once, and every refusal of a folder comes in one run."""

import io
import shutil
from pathlib import Path

import pytest

from apps.core.models import Locale
from apps.core.tabular import ImportRejected, Table
from apps.products import services
from apps.products.akeneo import catalog_import
from apps.products.imports import products_import
from apps.products.models import Product

AKENEO = Path(__file__).parent / "data" / "akeneo"


@pytest.fixture
def export(tmp_path) -> Path:
    target = tmp_path / "export"
    shutil.copytree(AKENEO, target)
    return target


def test_a_one_column_csv_is_a_file_of_one_column():
    table = Table(io.BytesIO(b"code\nRELATED\nX_SELL\n"), "group_types.csv")
    assert table.header == ["code"]
    assert list(table.rows()) == [(2, ["RELATED"]), (3, ["X_SELL"])]


def test_a_csv_whose_header_holds_a_tab_or_a_pipe_is_still_told_to_use_a_delimiter():
    for text, found in ((b"sku\tfamily\nTOY-1\ttoys\n", "'\\t'"), (b"sku|family\nTOY-1|toys\n", "'|'")):
        with pytest.raises(ImportRejected) as caught:
            Table(io.BytesIO(text), "products.csv")
        [error] = caught.value.errors
        assert f"it seems to use {found}" in error.reason, error


def test_akeneos_one_column_files_import_with_the_folder(db, export):
    """Akeneo's installer writes group_types.csv and locales.csv with a `code` column alone."""
    (export / "group_types.csv").write_text("code\nRELATED\nX_SELL\n", encoding="utf-8")
    (export / "locales.csv").write_text("code\nde_CH\nen_US\nfr_FR\n", encoding="utf-8")
    report = catalog_import(actor=None, paths=[export])
    assert report.error_count == 0, report.errors
    kinds = {part["file"]: part["kind"] for part in report.files}
    assert (kinds["group_types.csv"], kinds["locales.csv"]) == ("group_types", "locales")
    active = set(Locale.objects.filter(is_active=True).values_list("code", flat=True))
    assert active >= {"en_US", "fr_FR"}, "the channels' locales"
    assert Product.objects.count() == 8


def test_a_one_column_flat_file_of_skus_is_read(shop):
    services.product_create(actor=None, sku="TOY-9", family=shop.toys)
    report = products_import(actor=None, handle=io.BytesIO(b"sku\nTOY-9\n"), name="products.csv")
    assert (report.rows, report.unchanged, report.error_count) == (1, 1, 0)
