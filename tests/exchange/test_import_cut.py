"""A file cut short (a download or a copy that stopped half-way) is refused whole, by every reader, naming
the row where it stops: its last row is never saved with its text cut and its later cells missing, and
a missing cell never empties a value Noel holds (#36).

Each file is shaped as its system writes it (Noel's own export, Akeneo's export folder, Shopify's
product CSV, Noel's price and stock files), then cut: in the middle of a row, in the middle of a cell,
and inside a quoted cell that holds a line break."""

import io
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from apps.core.models import AuditLog, ImportJob
from apps.exchange.akeneo.imports import catalog_import
from apps.exchange.flat.imports import products_import
from apps.exchange.flat.prices import prices_import
from apps.exchange.flat.stock import stock_import
from apps.exchange.shopify.imports import shopify_import
from apps.exchange.tabular import ImportRejected
from apps.inventory.models import StockLevel
from apps.pricing.models import Price
from apps.products import flat, services
from apps.products.models import Product
from tests.inventory.factories import LocationFactory
from tests.products.fixtures import texts

DATA = Path(__file__).parent / "data"
AKENEO = DATA / "akeneo"
SHOPIFY = DATA / "shopify" / "products_export.csv"
CUT = "the file looks cut"


def cut_after(text: str, marker: str, keep: int = 0) -> str:
    """The text up to `marker` (its first `keep` characters kept), as a download that stopped there."""
    at = text.index(marker)
    return text[: at + keep]


def state() -> tuple:
    return (
        list(Product.objects.order_by("sku").values_list("sku", "version", "values")),
        AuditLog.objects.count(),
    )


def assert_cut(errors: list, row: int, file: str = "") -> None:
    assert any(e.row == row and CUT in e.reason and file in e.reason for e in errors), errors


# -- Noel's own flat export ------------------------------------------------------------------------------


@pytest.fixture
def exported(shop) -> str:
    """Two toys as Noel exports them: TOY-2's description holds a line break (a quoted cell)."""
    services.product_create(
        actor=None,
        sku="TOY-1",
        family=shop.toys,
        values={"name": texts("Renne"), "brand": {"*": {"*": "Lutin"}}},
    )
    services.product_create(
        actor=None,
        sku="TOY-2",
        family=shop.toys,
        values={
            "name": texts("Traîneau"),
            "description": {"fr_FR": {"web": "Un traîneau en bois.\nPeint à la main."}},
            "brand": {"*": {"*": "Lutin"}},
            "rrp": {"*": {"*": {"EUR": "49.90"}}},
        },
    )
    text = "".join(flat.csv_lines(Product.objects.order_by("sku")))
    assert text.splitlines()[0].split(";")[-1] == "rrp-EUR", "the description is not the last column"
    assert '"Un traîneau en bois.\nPeint à la main."' in text
    return text


FLAT_CUTS = {
    "mid-row": ("TOY-2;toys;", len("TOY-2;toys;")),
    "mid-cell": ("TOY-2;toys;", len("TOY-2;to")),
    "mid-quoted-cell, after its line break": ("Peint à la main", 0),
    "mid-quoted-cell, before its line break": ("en bois.\n", len("en bo")),
    "after the quoted cell": ("Peint à la main.", len('Peint à la main."')),
}


@pytest.mark.parametrize(("marker", "keep"), FLAT_CUTS.values(), ids=FLAT_CUTS.keys())
def test_a_cut_export_reimported_over_the_catalog_changes_nothing(shop, exported, marker, keep):
    """The description Noel holds is not blanked, nor cut; TOY-1's change above the cut is not written."""
    text = cut_after(exported.replace("Renne", "Renne rouge"), marker, keep)
    before = state()
    with pytest.raises(ImportRejected) as caught:
        products_import(actor=None, handle=io.BytesIO(text.encode()), name="products.csv")
    assert_cut(caught.value.errors, row=3)
    assert state() == before
    toy = Product.objects.get(sku="TOY-2")
    assert toy.values["description"] == {"fr_FR": {"web": "Un traîneau en bois.\nPeint à la main."}}
    assert Product.objects.get(sku="TOY-1").values["name"] == texts("Renne")


def test_a_cut_file_is_refused_even_when_invalid_rows_are_skipped(shop, exported):
    """The rows after the cut are missing too: nothing of such a file is imported."""
    text = cut_after(exported.replace("Renne", "Renne rouge"), "Peint à la main")
    before = state()
    with pytest.raises(ImportRejected) as caught:
        products_import(actor=None, handle=io.BytesIO(text.encode()), name="products.csv", skip_invalid=True)
    assert_cut(caught.value.errors, row=3)
    assert state() == before


def test_a_short_row_inside_the_file_is_refused_with_its_row(shop, exported):
    """A row with fewer cells than the header is never read as "empty these values"."""
    lines = exported.replace("Renne", "Renne rouge").split("\n")
    lines[1] = ";".join(lines[1].split(";")[:3])  # TOY-1 cut after its categories
    before = state()
    with pytest.raises(ImportRejected) as caught:
        products_import(actor=None, handle=io.BytesIO("\n".join(lines).encode()), name="products.csv")
    [error] = caught.value.errors
    assert error.row == 2 and CUT in error.reason and "3 cells for 11 columns" in error.reason, error
    assert state() == before


def test_a_complete_file_without_a_last_line_break_imports(shop, exported):
    """Google Sheets saves no line break after the last row: such a file is whole."""
    report = products_import(
        actor=None, handle=io.BytesIO(exported.rstrip("\n").encode()), name="products.csv"
    )
    assert (report.unchanged, report.error_count) == (2, 0)


def test_a_cut_xlsx_reimported_over_the_catalog_changes_nothing(shop, exported):
    data = io.BytesIO()
    flat.xlsx_write(Product.objects.order_by("sku"), data)
    before = state()
    for size in (len(data.getvalue()) // 3, len(data.getvalue()) - 100):
        with pytest.raises(ImportRejected) as caught:
            products_import(actor=None, handle=io.BytesIO(data.getvalue()[:size]), name="products.xlsx")
        [error] = caught.value.errors
        assert "damaged or truncated" in error.reason and CUT in error.reason, error
    assert state() == before


def test_an_xlsx_row_whose_last_cells_are_empty_is_not_cut(shop, exported):
    """A spreadsheet leaves a row's trailing empty cells out of the file: they are empty, not missing."""
    import openpyxl

    book = openpyxl.Workbook()
    book.active.append(["sku", "family", "name-fr_FR", "brand"])
    book.active.append(["TOY-3", "toys", "Lutin"])
    data = io.BytesIO()
    book.save(data)
    report = products_import(actor=None, handle=io.BytesIO(data.getvalue()), name="products.xlsx")
    assert (report.created, report.error_count) == (1, 0)


def test_the_admin_refuses_a_cut_file_at_its_preview(
    shop, exported, client, django_capture_on_commit_callbacks
):
    client.force_login(shop.merchandiser)
    text = cut_after(exported, "Peint à la main")
    upload = SimpleUploadedFile("products.csv", text.encode(), "text/csv")
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/admin/core/importjob/add/", {"kind": "products", "file": upload, "skip_invalid": "on"})
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.REFUSED
    page = client.get(f"/admin/core/importjob/{job.pk}/change/").content.decode()
    assert CUT in page


def test_the_command_exits_non_zero_on_a_cut_file(shop, exported, tmp_path):
    path = tmp_path / "products.csv"
    path.write_text(cut_after(exported.replace("Renne", "Renne rouge"), "TOY-2;toys;", 8), encoding="utf-8")
    before = state()
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_catalog", str(path), stdout=io.StringIO(), stderr=err)
    assert "row 3" in err.getvalue() and CUT in err.getvalue()
    assert state() == before


# -- prices and stock -------------------------------------------------------------------------------------


PRICES = "sku;channel;currency;amount;compare_at;cost\nTOY-2;web;EUR;9.90;;\nTOY-1;web;EUR;19.90;25.00;8.00\n"


@pytest.mark.parametrize(
    "cut", [len("TOY-1;web;EUR;19.90;25.00"), len("TOY-1;web;EUR;19.90;"), len("TOY-1;w")]
)
def test_a_cut_price_file_leaves_the_prices_alone(shop, cut):
    for sku in ("TOY-1", "TOY-2"):
        services.product_create(actor=None, sku=sku, family=shop.toys)
    prices_import(actor=shop.merchandiser, handle=io.BytesIO(PRICES.encode()), name="prices.csv")
    held = list(Price.objects.order_by("product__sku").values_list("amount", "compare_at", "cost"))
    assert held[0] == (Decimal("19.90"), Decimal("25.00"), Decimal("8.00"))
    text = PRICES.replace("9.90;;", "7.90;;")
    text = text[: text.rindex("TOY-1") + cut]
    with pytest.raises(ImportRejected) as caught:
        prices_import(actor=shop.merchandiser, handle=io.BytesIO(text.encode()), name="prices.csv")
    assert_cut(caught.value.errors, row=3)
    assert list(Price.objects.order_by("product__sku").values_list("amount", "compare_at", "cost")) == held


def test_a_cut_stock_file_sets_no_count(shop):
    services.product_create(actor=None, sku="TOY-1", family=shop.toys)
    services.product_create(actor=None, sku="TOY-2", family=shop.toys)
    LocationFactory(code="PARIS")
    text = "sku;location;quantity\nTOY-1;PARIS;12\nTOY-2;PAR"
    with pytest.raises(ImportRejected) as caught:
        stock_import(actor=None, handle=io.BytesIO(text.encode()), name="stock.csv")
    assert_cut(caught.value.errors, row=3)
    assert not StockLevel.objects.exists()


# -- Akeneo's export folder ------------------------------------------------------------------------------


AKENEO_CUTS = {
    "mid-row": ("CUSH-LIN-01;cushions;1;cushions;home_basics;", len("CUSH-LIN-01;cushions;1;cushions;")),
    "mid-cell": ("CUSH-LIN-01;cushions;1;cushions;home_basics;", len("CUSH-LIN-01;cush")),
    "mid-quoted-cell, after its line break": ("<p>Cover only", 0),
    "mid-quoted-cell, before its line break": ("washed for softness", len("washed")),
    "after the quoted cell": ("the filling is sold apart.", len('the filling is sold apart.</p>"')),
}


@pytest.fixture
def akeneo(db, tmp_path) -> Path:
    """Akeneo's export imported, and a copy of the folder to cut (in the linen cushion's row, whose
    description is a quoted cell on two lines)."""
    catalog_import(actor=None, paths=[AKENEO])
    folder = tmp_path / "export"
    shutil.copytree(AKENEO, folder)
    return folder


@pytest.mark.parametrize(("marker", "keep"), AKENEO_CUTS.values(), ids=AKENEO_CUTS.keys())
def test_a_cut_akeneo_products_file_reimported_over_the_catalog_changes_nothing(akeneo, marker, keep):
    path = akeneo / "products.csv"
    text = path.read_text(encoding="utf-8").replace(";180.0000;GRAM", ";185.0000;GRAM")
    path.write_text(cut_after(text, marker, keep), encoding="utf-8")
    cushion = Product.objects.get(sku="CUSH-LIN-01").values["description"]
    before = state()
    with pytest.raises(ImportRejected) as caught:
        catalog_import(actor=None, paths=[akeneo])
    assert_cut(caught.value.errors, row=5, file="products.csv")
    assert state() == before
    assert Product.objects.get(sku="CUSH-LIN-01").values["description"] == cushion
    assert "Cover only" in cushion["en_US"]["ecommerce"]


def test_a_cut_akeneo_set_up_file_is_refused_by_name(akeneo):
    path = akeneo / "attribute_options.csv"
    text = path.read_text(encoding="utf-8")
    path.write_text(text[: text.rindex("\n", 0, len(text) - 1) + 8], encoding="utf-8")
    before = state()
    with pytest.raises(ImportRejected) as caught:
        catalog_import(actor=None, paths=[akeneo], skip_invalid=True)
    rows = text.count("\n")
    assert_cut(caught.value.errors, row=rows, file="attribute_options.csv")
    assert state() == before


def test_the_command_exits_non_zero_on_a_cut_akeneo_folder(akeneo):
    path = akeneo / "products.csv"
    text = path.read_text(encoding="utf-8")
    path.write_text(cut_after(text, "<p>Cover only"), encoding="utf-8")
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_catalog", str(akeneo), stdout=io.StringIO(), stderr=err)
    assert "row 5" in err.getvalue() and "products.csv" in err.getvalue() and CUT in err.getvalue()


# -- Shopify's product CSV ---------------------------------------------------------------------------------


def shopify_text() -> str:
    """Shopify's export, the tea towel's description on two lines (Shopify quotes such a cell)."""
    text = SHOPIFY.read_text(encoding="utf-8")
    old = "<p>Linen tea towel &amp; napkin</p>"
    return text.replace(old, '"<p>Linen tea towel &amp; napkin</p>\n<p>Woven in Fife.</p>"')


SHOPIFY_CUTS = {
    "mid-row": ("tea-towel,Tea towel,", len("tea-towel,Tea towel,")),
    "mid-cell": ("tea-towel,Tea towel,", len("tea-towel,Tea to")),
    "mid-quoted-cell, after its line break": ("<p>Woven", 0),
    "mid-quoted-cell, before its line break": ("napkin</p>\n", len("nap")),
    "after the quoted cell": ("Woven in Fife.</p>", len('Woven in Fife.</p>"')),
}


@pytest.mark.parametrize(("marker", "keep"), SHOPIFY_CUTS.values(), ids=SHOPIFY_CUTS.keys())
def test_a_cut_shopify_file_reimported_over_the_catalog_changes_nothing(db, marker, keep):
    shopify_import(actor=None, handle=io.BytesIO(shopify_text().encode()), name="products_export.csv")
    towel = Product.objects.get(sku="TOWEL-1").values["description"]
    assert "Woven in Fife" in str(towel)
    text = cut_after(shopify_text().replace("Wool jumper,", "Wool sweater,"), marker, keep)
    before = state()
    with pytest.raises(ImportRejected) as caught:
        shopify_import(actor=None, handle=io.BytesIO(text.encode()), name="products_export.csv")
    assert_cut(caught.value.errors, row=5)
    assert state() == before
    assert Product.objects.get(sku="TOWEL-1").values["description"] == towel


def test_the_admin_refuses_a_cut_shopify_file(db, admin_client, django_capture_on_commit_callbacks):
    text = cut_after(shopify_text(), "<p>Woven")
    upload = SimpleUploadedFile("products_export.csv", text.encode(), "text/csv")
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post("/admin/core/importjob/add/", {"kind": "shopify", "file": upload})
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.REFUSED and not Product.objects.exists()
    assert CUT in admin_client.get(f"/admin/core/importjob/{job.pk}/change/").content.decode()


def test_the_command_exits_non_zero_on_a_cut_shopify_file(db, tmp_path):
    path = tmp_path / "products_export.csv"
    path.write_text(cut_after(shopify_text(), "tea-towel,Tea towel,", 14), encoding="utf-8")
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_catalog", str(path), stdout=io.StringIO(), stderr=err)
    assert "row 5" in err.getvalue() and CUT in err.getvalue()
    assert not Product.objects.exists()
