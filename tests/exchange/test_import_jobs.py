import io
import sys
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from apps.core.models import ImportJob
from apps.exchange.jobs import job_progress
from apps.products.models import Product


def upload(client, text: str, skip_invalid: bool = False):
    data = {"kind": "products", "file": SimpleUploadedFile("products.csv", text.encode(), "text/csv")}
    if skip_invalid:
        data["skip_invalid"] = "on"
    return client.post("/admin/core/importjob/add/", data)


def test_upload_previews_then_confirm_imports(shop, client, django_capture_on_commit_callbacks):
    client.force_login(shop.merchandiser)
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, "sku;family;name-fr_FR\nTOY-1;toys;Renne\nTOY-2;toys;Lutin\n")
    job = ImportJob.objects.get()
    assert response.status_code == 302 and job.status == ImportJob.Status.PREVIEWED
    assert (job.preview["created"], job.rows_total) == (2, 2) and not Product.objects.exists()
    page = client.get(f"/admin/core/importjob/{job.pk}/change/").content.decode()
    assert "Confirm the import" in page
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/admin/core/importjob/{job.pk}/confirm/")
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE and job.report["created"] == 2
    assert Product.objects.count() == 2


def test_the_progress_bar_of_a_confirmed_import_starts_from_zero_not_from_its_dry_run(
    shop, client, django_capture_on_commit_callbacks
):
    client.force_login(shop.merchandiser)
    with django_capture_on_commit_callbacks(execute=True):
        upload(client, "sku;family\nTOY-1;toys\nTOY-2;toys\n")
    job = ImportJob.objects.get()
    assert job_progress(job)["done"] == 2  # the dry run went through the file
    client.post(f"/admin/core/importjob/{job.pk}/confirm/")  # queued: no worker has started it yet
    job.refresh_from_db()
    assert job.status == ImportJob.Status.RUNNING and job_progress(job)["done"] == 0
    assert "0 of 2 rows" in client.get(f"/admin/core/importjob/{job.pk}/change/").content.decode()


def test_a_refused_preview_lists_each_bad_row_and_cannot_be_confirmed(
    shop, client, django_capture_on_commit_callbacks
):
    client.force_login(shop.merchandiser)
    with django_capture_on_commit_callbacks(execute=True):
        upload(client, "sku;family;age_min\nTOY-1;toys;3\nTOY-2;toys;old\n")
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.REFUSED
    page = client.get(f"/admin/core/importjob/{job.pk}/change/").content.decode()
    assert (
        "age_min" in page and "&#x27;old&#x27; is not a number" in page and "Confirm the import" not in page
    )
    assert "Nothing was imported" in page
    assert 'href="/admin/core/importjob/add/">upload the corrected file' in page
    errors = client.get(f"/admin/core/importjob/{job.pk}/errors.csv").content.decode()
    assert errors.splitlines()[1].startswith("3;age_min;TOY-2;old;")
    client.post(f"/admin/core/importjob/{job.pk}/confirm/")
    assert not Product.objects.exists()


def test_someone_elses_import_is_not_visible(shop, client, django_capture_on_commit_callbacks):
    client.force_login(shop.merchandiser)
    with django_capture_on_commit_callbacks(execute=True):
        upload(client, "sku;family\nTOY-1;toys\n")
    job = ImportJob.objects.get()
    client.force_login(shop.merchandiser2)
    assert client.get(f"/admin/core/importjob/{job.pk}/change/").status_code == 404


def test_import_catalog_command_takes_a_folder_in_dependency_order(shop, tmp_path, capsys):
    from tests.inventory.factories import LocationFactory

    LocationFactory(code="PARIS")
    (tmp_path / "stock.csv").write_text("sku;location;quantity\nTOY-1;PARIS;4\n")
    (tmp_path / "prices.csv").write_text("sku;channel;amount\nTOY-1;web;9.99\n")
    (tmp_path / "products.csv").write_text("sku;family;groups\nTOY-1;toys;\n")
    out = io.StringIO()
    call_command("import_catalog", str(tmp_path), stdout=out, stderr=io.StringIO())
    text = out.getvalue()
    assert text.index("products.csv") < text.index("prices.csv") < text.index("stock.csv")
    assert "1 created" in text and "columns ignored: groups" in text and "rows/s" in text
    assert str(Product.objects.get(sku="TOY-1").prices.get().money) == "9.99 EUR"


def test_import_catalog_dry_run_writes_nothing_and_a_refusal_fails(shop, tmp_path):
    path = tmp_path / "products.csv"
    path.write_text("sku;family\nTOY-1;toys\n")
    call_command("import_catalog", str(path), "--dry-run", stdout=io.StringIO())
    assert not Product.objects.exists()
    path.write_text("sku;family\nTOY-1;nope\n")
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_catalog", str(path), stdout=io.StringIO(), stderr=err)
    assert "row 2, column family (TOY-1): unknown family nope" in err.getvalue()


def test_a_location_is_an_option_of_shopify_files_only(shop, tmp_path):
    path = tmp_path / "products.csv"
    path.write_text("sku;family\nTOY-1;toys\n")
    with pytest.raises(CommandError, match="location: not an option of an import of products"):
        call_command("import_catalog", str(path), "--location", "PARIS", stdout=io.StringIO())
    assert not Product.objects.exists()


def test_a_shopify_upload_with_a_location_counts_its_stock_when_confirmed(
    shop, client, django_capture_on_commit_callbacks
):
    from apps.inventory.models import StockLevel
    from tests.core.factories import UserFactory
    from tests.inventory.factories import LocationFactory

    LocationFactory(code="PARIS")
    client.force_login(UserFactory(username="root", is_superuser=True))
    export = Path(__file__).parent / "data" / "shopify" / "products_export.csv"
    data = {
        "kind": "products",
        "file": SimpleUploadedFile("products_export.csv", export.read_bytes()),
        "location": "PARIS",
    }
    page = client.post("/admin/core/importjob/add/", data).content.decode()
    assert "location: not an option of an import of products" in page and not ImportJob.objects.exists()
    data.update(kind="shopify", location="LYON", file=SimpleUploadedFile("p.csv", export.read_bytes()))
    page = client.post("/admin/core/importjob/add/", data).content.decode()
    # the location is picked from the open ones: another is refused by the form itself
    assert "LYON is not one of the available choices" in page and not ImportJob.objects.exists()
    data["location"] = "PARIS"
    data.update(kind="shopify", file=SimpleUploadedFile("products_export.csv", export.read_bytes()))
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/admin/core/importjob/add/", data)
    job = ImportJob.objects.get()
    assert job.options == {"location": "PARIS"} and job.preview["stock"]["counted"] == 4
    assert "Stock at PARIS" in client.get(f"/admin/core/importjob/{job.pk}/change/").content.decode()
    assert not StockLevel.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/admin/core/importjob/{job.pk}/confirm/")
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE and job.report["stock"]["changed"] == 3
    assert StockLevel.objects.get(product__sku="TOWEL-1", location__code="PARIS").on_hand == 40


def test_export_catalog_writes_csv_and_xlsx_that_import_back(shop, tmp_path, monkeypatch):
    from apps.products import services

    services.product_create(actor=None, sku="TOY-1", family=shop.toys, values={"age_min": {"*": {"*": "3"}}})
    for fmt in ("csv", "xlsx"):
        target = tmp_path / f"out.{fmt}"
        call_command("export_catalog", "--format", fmt, "--output", str(target), stderr=io.StringIO())
        out = io.StringIO()
        call_command("import_catalog", str(target), stdout=out)
        assert "1 unchanged" in out.getvalue()
    stdout = io.StringIO()
    monkeypatch.setattr(sys, "stdout", stdout)
    call_command("export_catalog", "--attributes", "name", stderr=io.StringIO())
    assert stdout.getvalue().splitlines() == [
        "sku;family;categories;enabled;parent;family_variant;gtin",
        "TOY-1;toys;;1;;;",
    ]
