"""A picture an Akeneo export names but does not ship (a media file left out of the ZIP or folder): a
warning on that cell, never a refusal. The product is imported without it, the report names the row,
column and file, and a quality finding stays on the product until it has a picture."""

import io
import shutil
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from apps.assets import services as assets
from apps.assets.models import ProductAsset
from apps.core.models import ImportJob
from apps.exchange.akeneo.imports import catalog_import
from apps.exchange.tabular import ImportRejected
from apps.products.models import Product
from apps.quality.models import Finding
from apps.quality.services import quality_check
from tests.assets.factories import upload
from tests.exchange.test_akeneo import DATA, zipped

CUSHION = "files/CUSH-LIN-01/picture/c4d5_linen_cushion.jpg"
RED = "files/tshirt_classic_red/picture/3f2a_classic_red.png"


@pytest.fixture
def export(tmp_path) -> Path:
    target = tmp_path / "export"
    shutil.copytree(DATA, target)
    return target


def lose(folder: Path, relative: str) -> None:
    (folder / relative).unlink()


def open_finding(sku: str) -> Finding | None:
    return Finding.objects.filter(
        rule="import_picture_missing", product__sku=sku, resolved_at__isnull=True
    ).first()


def test_a_missing_picture_is_a_warning_and_the_product_is_imported_without_it(
    db, export, django_capture_on_commit_callbacks
):
    lose(export, CUSHION)
    with django_capture_on_commit_callbacks(execute=True):
        report = catalog_import(actor=None, paths=[export])
    assert (report.error_count, report.rejected) == (0, 0)
    [warning] = report.warnings
    assert (warning.row, warning.column, warning.sku, warning.value) == (5, "picture", "CUSH-LIN-01", CUSHION)
    assert warning.reason.startswith("products.csv: ") and "c4d5_linen_cushion.jpg" in warning.reason
    assert report.as_dict()["warnings"][0]["value"] == CUSHION
    cushion = Product.objects.get(sku="CUSH-LIN-01")
    assert "picture" not in cushion.values and cushion.values["handmade"] == {"*": {"*": True}}
    assert Product.objects.count() == 8, "every other product and variant is imported"
    finding = open_finding("CUSH-LIN-01")
    assert finding is not None and finding.severity == "warning"
    assert finding.message == "picture c4d5_linen_cushion.jpg named in the import was missing"
    assert open_finding("CUSH-WOOL-02") is None, "a product whose pictures were all there has none"


def test_the_finding_stays_until_the_product_has_a_picture(db, export, django_capture_on_commit_callbacks):
    lose(export, CUSHION)
    with django_capture_on_commit_callbacks(execute=True):
        catalog_import(actor=None, paths=[export])
    cushion = Product.objects.get(sku="CUSH-LIN-01")
    quality_check(product_ids=[cushion.pk])
    assert open_finding("CUSH-LIN-01") is not None, "a check alone does not forget it"
    with django_capture_on_commit_callbacks(execute=True):  # a person links a picture in the DAM
        assets.product_asset_link(
            actor=None, product=cushion, asset=upload("cushion.jpg"), role=ProductAsset.Role.MAIN
        )
    quality_check(product_ids=[cushion.pk])
    assert open_finding("CUSH-LIN-01") is None
    assert Finding.objects.get(rule="import_picture_missing", product=cushion).resolved_at is not None


def test_a_model_whose_picture_is_missing_keeps_its_variants_even_when_invalid_rows_are_skipped(
    db, export, django_capture_on_commit_callbacks
):
    lose(export, RED)
    with django_capture_on_commit_callbacks(execute=True):
        report = catalog_import(actor=None, paths=[export], skip_invalid=True)
    assert report.error_count == 0
    # the model's row is warned about; its variants, which name the same file, say nothing more
    assert [(w.row, w.column, w.sku) for w in report.warnings] == [(3, "picture", "tshirt_classic_red")]
    assert set(Product.objects.filter(parent__sku="tshirt_classic_red").values_list("sku", flat=True)) == {
        "TS-CL-RED-S",
        "TS-CL-RED-M",
    }
    assert open_finding("tshirt_classic_red") is not None


def test_a_reimport_missing_the_picture_keeps_the_one_noel_holds(db, export):
    catalog_import(actor=None, paths=[DATA])
    held = Product.objects.get(sku="CUSH-LIN-01").values["picture"]
    lose(export, CUSHION)
    report = catalog_import(actor=None, paths=[export])
    assert len(report.warnings) == 1
    assert Product.objects.get(sku="CUSH-LIN-01").values["picture"] == held, "a missing file empties nothing"


def test_a_dry_run_warns_and_records_nothing(db, export):
    lose(export, CUSHION)
    report = catalog_import(actor=None, paths=[export], dry_run=True)
    assert len(report.warnings) == 1 and not Finding.objects.exists() and not Product.objects.exists()


def test_the_command_prints_the_warning_and_succeeds(db, export):
    lose(export, CUSHION)
    out = io.StringIO()
    call_command("import_catalog", str(export), stdout=out, stderr=io.StringIO())
    text = out.getvalue()
    assert "warning: row 5, column picture (CUSH-LIN-01)" in text and "c4d5_linen_cushion.jpg" in text
    assert Product.objects.filter(sku="CUSH-LIN-01").exists()


def test_the_admin_shows_the_warning_and_the_report_file_lists_it(
    db, admin_client, tmp_path, django_capture_on_commit_callbacks
):
    folder = tmp_path / "export"
    shutil.copytree(DATA, folder)
    lose(folder, CUSHION)
    archive = SimpleUploadedFile("catalog.zip", zipped(folder).getvalue(), "application/zip")
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post("/admin/core/importjob/add/", {"kind": "catalog", "file": archive})
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.PREVIEWED, job.preview
    page = admin_client.get(f"/admin/core/importjob/{job.pk}/change/").content.decode()
    assert (
        'id="import-warnings"' in page and "c4d5_linen_cushion.jpg" in page and "Confirm the import" in page
    )
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(f"/admin/core/importjob/{job.pk}/confirm/")
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE and len(job.report["warnings"]) == 1
    lines = admin_client.get(f"/admin/core/importjob/{job.pk}/errors.csv").content.decode().splitlines()
    assert lines[0] == "row;column;sku;value;reason;kind"
    assert lines[1].startswith(f"5;picture;CUSH-LIN-01;{CUSHION};") and lines[1].endswith(";warning")


def test_a_path_leading_out_of_the_archive_is_still_refused(db, export):
    (export.parent / "secret.jpg").write_bytes(b"\xff\xd8\xff")
    text = (export / "products.csv").read_text(encoding="utf-8").replace(CUSHION, "../secret.jpg", 1)
    (export / "products.csv").write_text(text, encoding="utf-8")
    with pytest.raises(ImportRejected) as caught:
        catalog_import(actor=None, paths=[export])
    assert any(e.row == 5 and e.column == "picture" for e in caught.value.errors), caught.value.errors
    assert not Product.objects.exists() and not Finding.objects.exists()
