"""Shopify's product CSV: handles with options become product models and variants, a handle with one
variant a simple product; the set-up it needs is created; HTML is cleaned for channels that forbid it."""

import io
from pathlib import Path

import pytest
from django.contrib.auth.models import Permission
from django.core.management import CommandError, call_command

from apps.core.models import AuditLog
from apps.exchange.shopify.imports import shopify_import
from apps.exchange.tabular import ImportRejected
from apps.inventory.models import StockLevel, StockMovement
from apps.products import flat, services
from apps.products.models import Attribute, AttributeOption, Family, FamilyVariant, Product
from tests.core.factories import UserFactory
from tests.inventory.factories import LocationFactory

EXPORT = Path(__file__).parent / "data" / "shopify" / "products_export.csv"
CURRENT = EXPORT.with_name("products_export_current.csv")  # the same products in Shopify's names since 2024


def run(data: bytes | None = None, **options):
    data = EXPORT.read_bytes() if data is None else data
    return shopify_import(actor=None, handle=io.BytesIO(data), name="products_export.csv", **options)


def spoiled(old: str, new: str) -> bytes:
    text = EXPORT.read_text(encoding="utf-8")
    assert old in text
    return text.replace(old, new, 1).encode()


def refused(data: bytes, **options) -> list:
    def state():
        counts = (Product, Attribute, AuditLog, StockLevel, StockMovement)
        return [model.objects.count() for model in counts]

    before = state()
    with pytest.raises(ImportRejected) as caught:
        run(data, **options)
    assert state() == before
    return caught.value.errors


def on_hand() -> dict[str, int]:
    return dict(StockLevel.objects.values_list("product__sku", "on_hand"))


def test_an_export_imports_into_an_empty_noel(db):
    report = run()
    assert (report.created, report.rejected, report.error_count) == (5, 0, 0)
    jumper = Product.objects.get(sku="wool-jumper")
    assert jumper.is_model and jumper.family.code == "shopify"
    assert jumper.family_variant == FamilyVariant.objects.get(code="shopify_size_color")
    assert jumper.values["name"] == {"en_GB": {"*": "Wool jumper"}}
    assert jumper.values["brand"] == {"*": {"*": "Highland Knits"}}
    assert jumper.values["image"] == {"*": {"*": "https://cdn.shopify.com/s/files/1/jumper-red.jpg"}}
    assert jumper.values["images"] == {"*": {"*": "https://cdn.shopify.com/s/files/1/jumper-back.jpg"}}
    description = jumper.values["description"]["en_GB"]["*"]
    assert (
        "<strong>wool</strong>" in description
        and "script" not in description
        and "onclick" not in description
    )
    red_m = Product.objects.get(sku="JMP-M-RED")
    assert red_m.parent == jumper and red_m.gtin == "4006381333986"
    assert red_m.values["size"] == {"*": {"*": "m"}} and red_m.values["color"] == {"*": {"*": "red"}}
    assert red_m.values["price"] == {"*": {"*": {"EUR": "59.00"}}}
    assert red_m.values["compare_at_price"] == {"*": {"*": {"EUR": "79.00"}}}
    assert red_m.values["weight"] == {"*": {"*": {"amount": "470", "unit": "GRAM"}}}
    green = Product.objects.get(sku="JMP-M-GREEN")
    assert "compare_at_price" not in green.values
    assert green.values["variant_image"] == {"*": {"*": "https://cdn.shopify.com/s/files/1/jumper-green.jpg"}}
    assert AttributeOption.objects.get(attribute__code="color", code="green").labels == {"en_GB": "Green"}
    towel = Product.objects.get(sku="TOWEL-1")
    assert towel.parent is None and not towel.is_model and not towel.enabled, "a draft is not enabled"
    assert towel.values["price"] == {"*": {"*": {"EUR": "12.50"}}}
    for ignored in ("Product Category", "Variant Taxable", "Gift Card"):
        assert report.columns_ignored.count(ignored) == 1
    assert not StockLevel.objects.exists(), "without a location, Shopify's counts go nowhere"
    assert AuditLog.objects.filter(action="product.create", object_code="JMP-S-RED", source="import").exists()


def test_html_is_cleaned_for_channels_that_forbid_it(shop):
    AttributeOption.objects.filter(attribute__code="color", code="red").update(labels={"fr_FR": "Rouge"})
    run()
    description = Product.objects.get(sku="wool-jumper").values["description"]["fr_FR"]
    assert description["google"] == "A warm wool jumper. Knitted in Scotland."
    assert description["web"].startswith("<p>A warm <strong>wool</strong> jumper.</p>")
    assert "alert" not in description["web"]
    family = Family.objects.get(code="shopify")
    assert family.attributes.filter(code="name").get().max_length == 150, "Noel's own attribute is kept"
    assert AttributeOption.objects.get(attribute__code="color", code="red").labels == {"fr_FR": "Rouge"}


def test_reimport_changes_nothing_and_a_round_trip_through_the_flat_export_is_unchanged(db, tmp_path):
    run()
    versions = list(Product.objects.values_list("sku", "version").order_by("sku"))
    report = run()
    assert (report.created, report.updated, report.unchanged) == (0, 0, 5)
    assert list(Product.objects.values_list("sku", "version").order_by("sku")) == versions
    exported = tmp_path / "noel.csv"
    exported.write_text(
        "".join(flat.csv_lines(Product.objects.order_by("parent_id", "sku"))), encoding="utf-8"
    )
    out = io.StringIO()
    call_command("import_catalog", str(exported), stdout=out)
    assert "5 unchanged" in out.getvalue()
    assert services.effective_values(Product.objects.get(sku="JMP-M-RED"))["name"] == {
        "en_GB": {"*": "Wool jumper"}
    }


@pytest.mark.parametrize("naming", [0, 1], ids=["earlier names", "current names"])
@pytest.mark.parametrize(
    ("old", "new", "row", "columns", "reason"),
    [
        (",62.00,,", ",sixty,,", 4, ("Variant Price", "Price"), "'sixty' is not a number"),
        (",,M,,Green,", ",,,,Green,", 4, ("Option1 Value", "Option1 value"), "Size has no value"),
        ("Wool jumper,", ",", 2, ("Title", "Title"), "needs its Title"),
        (",JMP-M-GREEN,", ",JMP-M-RED,", 4, ("Variant SKU", "SKU"), "SKU appears again"),
        ("Highland Home", "=HYPERLINK(1)", 5, ("Vendor", "Vendor"), "a formula is not data"),
        (",shopify,5,", ",shopify,-2,", 3, ("Variant Inventory Qty", "Inventory quantity"), "oversold"),
    ],
)
def test_bad_input_is_refused_with_row_column_and_reason(db, naming, old, new, row, columns, reason):
    """Errors name the file's own columns, in either of Shopify's namings."""
    LocationFactory(code="PARIS")
    text = (EXPORT, CURRENT)[naming].read_text(encoding="utf-8")
    assert old in text
    errors = refused(text.replace(old, new, 1).encode(), location="PARIS")
    column = columns[naming]
    assert any(e.row == row and e.column == column and reason in e.reason for e in errors), errors


def test_a_file_without_handles_is_refused(db):
    [error] = refused(b"Title,Variant SKU\nJumper,JMP-1\n")
    assert (error.row, error.column) == (1, "Handle")


def test_skip_invalid_imports_the_other_products_and_their_counts(db):
    LocationFactory(code="PARIS")
    report = run(spoiled(",62.00,,", ",sixty,,"), skip_invalid=True, location="PARIS")
    assert report.rejected == 1 and Product.objects.filter(sku="JMP-M-RED").exists()
    assert not Product.objects.filter(sku="JMP-M-GREEN").exists()
    assert on_hand() == {"JMP-S-RED": 12, "JMP-M-RED": 5, "TOWEL-1": 40}


def test_the_command_tells_a_shopify_file_by_its_header(db, tmp_path):
    out = io.StringIO()
    call_command("import_catalog", str(EXPORT), "--dry-run", stdout=out)
    assert "(shopify, dry run)" in out.getvalue() and "5 created" in out.getvalue()
    assert not Product.objects.exists()
    bad = tmp_path / "shop.csv"
    bad.write_bytes(spoiled(",62.00,,", ",sixty,,"))
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_catalog", str(bad), "--format", "shopify", stdout=io.StringIO(), stderr=err)
    assert "row 4, column Variant Price (JMP-M-GREEN): 'sixty' is not a number" in err.getvalue()


def test_an_attribute_of_another_type_in_noel_is_named_and_nothing_is_written(shop):
    from tests.products.factories import AttributeFactory

    AttributeFactory(code="tags", type=Attribute.Type.NUMBER)
    [error] = refused(EXPORT.read_bytes())
    assert (error.row, error.column) == (1, "Tags") and "tags is a number" in error.reason
    assert not Family.objects.filter(code="shopify").exists()


def test_counts_go_to_the_named_location_with_movements_and_a_reimport_moves_nothing(db):
    LocationFactory(code="PARIS")
    report = run(location="PARIS")
    assert on_hand() == {"JMP-S-RED": 12, "JMP-M-RED": 5, "JMP-M-GREEN": 0, "TOWEL-1": 40}
    assert report.as_dict()["stock"] == {"location": "PARIS", "counted": 4, "changed": 3}
    assert "Variant Inventory Qty" not in report.columns_ignored
    assert "Variant Inventory Policy" in report.columns_ignored
    assert StockMovement.objects.filter(source="import").count() == 3
    again = run(location="PARIS")
    assert again.as_dict()["stock"]["changed"] == 0 and StockMovement.objects.count() == 3


@pytest.mark.parametrize(
    ("location", "words"),
    [("LYON", "unknown stock location LYON (known: PARIS)"), ("OLD", "OLD is closed")],
)
def test_an_unknown_or_closed_location_refuses_the_file(db, location, words):
    LocationFactory(code="PARIS")
    LocationFactory(code="OLD", is_active=False)
    [error] = refused(EXPORT.read_bytes(), location=location)
    assert (error.row, error.column, error.value) == (1, "Variant Inventory Qty", location)
    assert words in error.reason


def test_someone_who_may_not_count_stock_is_refused_before_anything_is_written(db):
    LocationFactory(code="PARIS")
    user = UserFactory(username="sam")
    codes = ("add_product", "change_product", "add_attribute", "add_attributegroup")
    user.user_permissions.set(Permission.objects.filter(codename__in=codes))
    with pytest.raises(ImportRejected) as caught:
        shopify_import(actor=user, handle=io.BytesIO(EXPORT.read_bytes()), location="PARIS")
    assert "sam may not import stock" in caught.value.errors[0].reason
    assert not Product.objects.exists()


@pytest.mark.parametrize(
    ("old", "new", "row", "words"),
    [
        (",shopify,12,", ",shopify,douze,", 2, "'douze' is not a whole number"),
        (",shopify,5,", ",shopify,-2,", 3, "-2 on hand: oversold in Shopify"),
    ],
)
def test_a_bad_count_refuses_the_file(db, old, new, row, words):
    LocationFactory(code="PARIS")
    errors = refused(spoiled(old, new), location="PARIS")
    assert [(e.row, e.column) for e in errors] == [(row, "Variant Inventory Qty")]
    assert words in errors[0].reason


def test_skip_invalid_leaves_out_the_row_of_a_bad_count_and_counts_the_others(db):
    LocationFactory(code="PARIS")
    report = run(spoiled(",shopify,5,", ",shopify,-2,"), location="PARIS", skip_invalid=True)
    assert report.rejected == 1 and not Product.objects.filter(sku="JMP-M-RED").exists()
    assert on_hand() == {"JMP-S-RED": 12, "JMP-M-GREEN": 0, "TOWEL-1": 40}


def test_a_variant_shopify_does_not_track_gets_no_count(db):
    LocationFactory(code="PARIS")
    run(spoiled(",shopify,40,", ",,40,"), location="PARIS")
    assert "TOWEL-1" not in on_hand() and Product.objects.filter(sku="TOWEL-1").exists()


def test_a_dry_run_checks_the_counts_and_sets_none(db):
    LocationFactory(code="PARIS")
    report = run(location="PARIS", dry_run=True)
    assert report.as_dict()["stock"]["counted"] == 4
    assert not StockLevel.objects.exists() and not Product.objects.exists()


def test_the_command_counts_at_the_location_it_is_given(db):
    LocationFactory(code="PARIS")
    out = io.StringIO()
    call_command("import_catalog", str(EXPORT), "--location", "PARIS", stdout=out)
    assert "stock at PARIS: 4 counted, 3 levels changed" in out.getvalue()
    assert on_hand()["TOWEL-1"] == 40
    with pytest.raises(CommandError, match=r"unknown stock location LYON \(known: PARIS\)"):
        call_command("import_catalog", str(EXPORT), "--location", "LYON", stdout=io.StringIO())


def test_the_current_export_imports_the_same_products_as_the_earlier_one(db):
    LocationFactory(code="PARIS")
    report = run(CURRENT.read_bytes(), location="PARIS")
    assert (report.created, report.rejected) == (5, 0)
    assert on_hand() == {"JMP-S-RED": 12, "JMP-M-RED": 5, "JMP-M-GREEN": 0, "TOWEL-1": 40}
    for ignored in ("Product category", "Charge tax", "Gift card", "Continue selling when out of stock"):
        assert report.columns_ignored.count(ignored) == 1
    assert not {"Price", "SKU", "Inventory quantity", "Variant SKU"} & set(report.columns_ignored)
    assert not Product.objects.get(sku="TOWEL-1").enabled, "its Status: draft"
    again = run(location="PARIS")  # the earlier naming: the very same products, values and counts
    assert (again.created, again.updated, again.unchanged) == (0, 0, 5)
    assert again.as_dict()["stock"]["changed"] == 0


def test_an_unknown_location_names_the_current_count_column(db):
    [error] = refused(CURRENT.read_bytes(), location="LYON")
    assert (error.column, error.value) == ("Inventory quantity", "LYON")


def test_a_column_under_both_names_is_refused(db):
    [error] = refused(b"Handle,URL handle,Title\njumper,jumper,Jumper\n")
    assert (error.row, error.column) == (1, "Handle")
    assert "Handle, URL handle: the same column twice" in error.reason


def test_the_command_tells_the_current_export_by_its_header(db):
    out = io.StringIO()
    call_command("import_catalog", str(CURRENT), "--dry-run", stdout=out)
    assert "(shopify, dry run)" in out.getvalue() and "5 created" in out.getvalue()
