"""Shopify's stock columns (Variant Inventory Qty, Tracker, Policy): counted at the stock location the
person picks, on the upload form or with `import_catalog --stock-location`; said once when none is picked;
a variant Shopify does not track gets no count, and the report says how many."""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from apps.core.models import ImportJob
from apps.inventory.models import StockLevel
from tests.exchange.test_shopify import CURRENT, EXPORT, on_hand, run, spoiled
from tests.inventory.factories import LocationFactory

UNTRACKED = spoiled(",shopify,40,", ",,0,")  # the tea towel: Shopify does not track its stock


def test_without_a_location_the_stock_columns_are_said_once_as_not_imported(db):
    report = run()
    stock = report.as_dict()["stock"]
    assert stock["location"] == "" and stock["skipped"] == [
        "Variant Inventory Tracker",
        "Variant Inventory Qty",
        "Variant Inventory Policy",
    ]
    assert not {"Variant Inventory Qty", "Variant Inventory Tracker"} & set(report.columns_ignored)
    assert not StockLevel.objects.exists()


def test_the_current_export_says_its_own_stock_columns_once(db):
    report = run(CURRENT.read_bytes())
    assert report.as_dict()["stock"]["skipped"] == [
        "Inventory tracker",
        "Inventory quantity",
        "Continue selling when out of stock",
    ]
    assert "Continue selling when out of stock" not in report.columns_ignored


def test_a_variant_shopify_does_not_track_is_counted_as_untracked_not_as_zero(db):
    LocationFactory(code="PARIS")
    report = run(UNTRACKED, location="PARIS")
    assert report.as_dict()["stock"] == {"location": "PARIS", "counted": 3, "changed": 2, "untracked": 1}
    assert "TOWEL-1" not in on_hand()


def test_the_command_takes_the_stock_location_and_says_what_it_did(db, tmp_path):
    LocationFactory(code="PARIS")
    path = tmp_path / "products_export.csv"
    path.write_bytes(UNTRACKED)
    out = io.StringIO()
    call_command("import_catalog", str(path), "--stock-location", "PARIS", stdout=out)
    text = out.getvalue()
    assert "stock at PARIS: 3 counted, 2 levels changed" in text
    assert "1 variant not tracked by Shopify (Variant Inventory Tracker empty): no stock set" in text
    assert on_hand() == {"JMP-S-RED": 12, "JMP-M-RED": 5, "JMP-M-GREEN": 0}


def test_the_command_without_a_location_says_once_that_stock_was_not_imported(db):
    out = io.StringIO()
    call_command("import_catalog", str(EXPORT), stdout=out)
    lines = [line for line in out.getvalue().splitlines() if "Variant Inventory Qty" in line]
    assert lines == [
        "  stock not imported (no stock location picked): Variant Inventory Tracker, Variant Inventory Qty,"
        " Variant Inventory Policy"
    ]


def test_the_upload_form_offers_the_open_locations_and_the_report_shows_the_counts(
    shop, admin_client, django_capture_on_commit_callbacks
):
    """An administrator: a merchandiser may not count stock, so is offered no location."""
    client = admin_client
    LocationFactory(code="PARIS", name="Paris warehouse")
    LocationFactory(code="OLD", name="Old shop", is_active=False)
    form = client.get("/admin/core/importjob/add/").content.decode()
    assert '<option value="PARIS">' in form and 'value="OLD"' not in form
    upload = SimpleUploadedFile("products_export.csv", UNTRACKED, "text/csv")
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/admin/core/importjob/add/", {"kind": "shopify", "file": upload, "location": "PARIS"})
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.PREVIEWED, job.preview
    page = client.get(f"/admin/core/importjob/{job.pk}/change/").content.decode()
    assert "Stock at PARIS" in page and "3 counted" in page
    assert "1 variant not tracked by Shopify" in page
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/admin/core/importjob/{job.pk}/confirm/")
    assert on_hand() == {"JMP-S-RED": 12, "JMP-M-RED": 5, "JMP-M-GREEN": 0}


def test_a_person_who_may_not_count_stock_is_offered_no_location_and_cannot_post_one(shop, client):
    LocationFactory(code="PARIS")
    client.force_login(shop.merchandiser)
    assert 'value="PARIS"' not in client.get("/admin/core/importjob/add/").content.decode()
    upload = SimpleUploadedFile("products_export.csv", EXPORT.read_bytes(), "text/csv")
    response = client.post(
        "/admin/core/importjob/add/", {"kind": "shopify", "file": upload, "location": "PARIS"}
    )
    assert response.status_code == 200 and not ImportJob.objects.exists()


def test_an_upload_without_a_location_shows_the_stock_as_not_imported(
    shop, admin_client, django_capture_on_commit_callbacks
):
    client = admin_client
    upload = SimpleUploadedFile("products_export.csv", EXPORT.read_bytes(), "text/csv")
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/admin/core/importjob/add/", {"kind": "shopify", "file": upload})
    job = ImportJob.objects.get()
    page = client.get(f"/admin/core/importjob/{job.pk}/change/").content.decode()
    assert "Stock not imported (no stock location picked)" in page
