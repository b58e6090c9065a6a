"""Barcodes from another system: Akeneo's `ean` (a text attribute) and Shopify's `Variant Barcode` are kept
as the source held them; a valid one becomes the product's GTIN, a wrong one is imported, flagged by a
quality finding and sent to no channel as a GTIN."""

import io
import shutil
from pathlib import Path

import pytest
from django.db import connection

from apps.exchange.akeneo.imports import catalog_import
from apps.exchange.shopify.imports import shopify_import
from apps.products.models import Attribute, Family, FamilyVariant, Product
from apps.quality.models import Finding
from apps.quality.services import quality_check
from tests.exchange.test_akeneo import DATA
from tests.exchange.test_shopify import EXPORT

WRONG = "4006381333987"  # 4006381333986 with its check digit changed


@pytest.fixture
def export(tmp_path) -> Path:
    target = tmp_path / "export"
    shutil.copytree(DATA, target)
    return target


def spoil(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def findings(sku: str) -> list[str]:
    return list(
        Finding.objects.filter(
            rule="barcode_not_gtin", product__sku=sku, resolved_at__isnull=True
        ).values_list("message", flat=True)
    )


def test_akeneo_ean_becomes_the_gtin_when_valid(db):
    catalog_import(actor=None, paths=[DATA])
    tee = Product.objects.get(sku="TS-CL-RED-S")
    assert tee.gtin == "4006381333931" and tee.values["ean"] == {"*": {"*": "4006381333931"}}
    assert Product.objects.get(sku="CUSH-LIN-01").gtin == "4006381333962"
    assert Product.objects.get(sku="CUSH-WOOL-02").gtin is None, "no ean, no GTIN"


def test_akeneo_ean_with_a_wrong_check_digit_is_kept_flagged_and_not_a_gtin(
    db, export, django_capture_on_commit_callbacks
):
    spoil(export / "products.csv", ";4006381333962;", f";{WRONG};")
    with django_capture_on_commit_callbacks(execute=True):
        report = catalog_import(actor=None, paths=[export])
    assert report.error_count == 0
    cushion = Product.objects.get(sku="CUSH-LIN-01")
    assert cushion.gtin is None and cushion.values["ean"] == {"*": {"*": WRONG}}
    assert findings("CUSH-LIN-01") == [f"barcode {WRONG} (ean) has a wrong check digit: no GTIN is sent"]
    assert findings("TS-CL-RED-S") == []


def test_a_barcode_set_right_resolves_its_finding(db, export, django_capture_on_commit_callbacks):
    spoil(export / "products.csv", ";4006381333962;", f";{WRONG};")
    with django_capture_on_commit_callbacks(execute=True):
        catalog_import(actor=None, paths=[export])
    with django_capture_on_commit_callbacks(execute=True):
        catalog_import(actor=None, paths=[DATA])
    cushion = Product.objects.get(sku="CUSH-LIN-01")
    quality_check(product_ids=[cushion.pk])
    assert cushion.gtin == "4006381333962" and findings("CUSH-LIN-01") == []


def test_a_wrong_ean_leaves_the_gtin_noel_holds(db, export):
    catalog_import(actor=None, paths=[DATA])
    spoil(export / "products.csv", ";4006381333962;", f";{WRONG};")
    catalog_import(actor=None, paths=[export])
    cushion = Product.objects.get(sku="CUSH-LIN-01")
    assert cushion.gtin == "4006381333962" and cushion.values["ean"] == {"*": {"*": WRONG}}


def test_the_attributes_taken_as_gtin_are_a_setting(db, settings):
    settings.NOEL_GTIN_ATTRIBUTES = ["upc"]
    catalog_import(actor=None, paths=[DATA])
    assert Product.objects.get(sku="TS-CL-RED-S").gtin is None


def test_shopify_barcode_with_a_wrong_check_digit_is_imported_kept_and_flagged(
    db, django_capture_on_commit_callbacks
):
    text = EXPORT.read_text(encoding="utf-8").replace(",4006381333986,", f",'{WRONG},", 1)
    with django_capture_on_commit_callbacks(execute=True):
        report = shopify_import(actor=None, handle=io.BytesIO(text.encode()), name="products_export.csv")
    assert (report.error_count, report.created) == (0, 5)
    red_m = Product.objects.get(sku="JMP-M-RED")
    assert red_m.gtin is None and red_m.values["barcode"] == {"*": {"*": WRONG}}
    red_s = Product.objects.get(sku="JMP-S-RED")
    assert red_s.gtin == "4006381333979" and red_s.values["barcode"] == {"*": {"*": "4006381333979"}}
    assert findings("JMP-M-RED") == [f"barcode {WRONG} (barcode) has a wrong check digit: no GTIN is sent"]
    assert findings("JMP-S-RED") == []


def test_shopify_barcode_that_is_no_gtin_at_all_is_kept_and_said_so(db, django_capture_on_commit_callbacks):
    text = EXPORT.read_text(encoding="utf-8").replace(",4006381333986,", ",JMP-M-RED-BC,", 1)
    with django_capture_on_commit_callbacks(execute=True):
        shopify_import(actor=None, handle=io.BytesIO(text.encode()), name="products_export.csv")
    assert Product.objects.get(sku="JMP-M-RED").values["barcode"] == {"*": {"*": "JMP-M-RED-BC"}}
    assert findings("JMP-M-RED") == [
        "barcode JMP-M-RED-BC (barcode) is not a GTIN (8, 12, 13 or 14 digits): no GTIN is sent"
    ]


def test_a_shopify_family_imported_before_barcodes_were_kept_takes_them_on_the_next_import(db):
    shopify_import(actor=None, handle=io.BytesIO(EXPORT.read_bytes()), name="products_export.csv")
    # as an earlier Noel left it: no barcode attribute in the shopify family and its variants
    with connection.cursor() as cursor:
        cursor.execute("UPDATE products_product SET values = values - 'barcode'")
    barcode = Attribute.objects.get(code="barcode")
    for variant in FamilyVariant.objects.filter(family__code="shopify"):
        variant.variant_attributes.remove(barcode)
    Family.objects.get(code="shopify").attributes.remove(barcode)
    report = shopify_import(actor=None, handle=io.BytesIO(EXPORT.read_bytes()), name="products_export.csv")
    assert report.error_count == 0
    assert (
        FamilyVariant.objects.get(code="shopify_size_color")
        .variant_attributes.filter(code="barcode")
        .exists()
    )
    assert Product.objects.get(sku="JMP-M-RED").values["barcode"] == {"*": {"*": "4006381333986"}}
