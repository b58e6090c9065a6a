"""How the files of an export folder are read (#36): a one-column file is a file, files Noel has no use
for are skipped and named once, and every refusal of a folder comes in one run."""

import io
import shutil
import zipfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from apps.core.models import ImportJob, Locale
from apps.exchange.akeneo.imports import catalog_import
from apps.exchange.flat.imports import products_import
from apps.exchange.tabular import ImportRejected, Table
from apps.products import services
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


def installer_extras(folder: Path) -> None:
    """What Akeneo's installer folder holds beside the catalog (headers as Akeneo writes them)."""
    (folder / "users.csv").write_text(
        "username;first_name;last_name;email;password;catalog_default_locale;user_default_locale;"
        "catalog_default_scope;default_category_tree;roles;groups;enabled\n"
        "julia;Julia;Stark;Julia@example.com;julia;en_US;en_US;ecommerce;master;ROLE_CATALOG_MANAGER;Manager;1\n",
        encoding="utf-8",
    )
    (folder / "user_groups.csv").write_text("name\nIT support\nManager\n", encoding="utf-8")
    (folder / "user_roles.csv").write_text("role;label\nROLE_ADMINISTRATOR;Administrator\n", encoding="utf-8")
    (folder / "job_profile_accesses.csv").write_text(
        "job_profile;execute_job_profile\nupdate_product_value;All\n", encoding="utf-8"
    )
    (folder / "jobs.yml").write_text(
        "jobs:\n    update_product_value:\n        connector: Akeneo Mass Edit Connector\n", encoding="utf-8"
    )


NOT_READ = ["job_profile_accesses.csv", "jobs.yml", "user_groups.csv", "user_roles.csv", "users.csv"]


def test_files_noel_has_no_use_for_are_skipped_and_named_once(db, export):
    installer_extras(export)
    report = catalog_import(actor=None, paths=[export])
    assert report.error_count == 0, report.errors
    assert report.as_dict()["files_not_read"] == NOT_READ
    assert not {part["file"] for part in report.files} & set(NOT_READ)
    assert Product.objects.count() == 8
    assert "3f2a_classic_red.png" not in str(report.as_dict()), "media files are not 'not read'"


def test_the_command_and_the_admin_name_the_files_not_read_once(
    db, export, admin_client, tmp_path, django_capture_on_commit_callbacks
):
    installer_extras(export)
    out = io.StringIO()
    call_command("import_catalog", str(export), "--dry-run", stdout=out, stderr=io.StringIO())
    text = out.getvalue()
    assert text.count("users.csv") == 1 and "files not read (Noel has no use for them): " in text
    assert ", ".join(NOT_READ) in text
    archive = tmp_path / "catalog.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        for path in export.rglob("*"):
            if path.is_file():
                zipped.write(path, f"export/{path.relative_to(export)}")
    upload = SimpleUploadedFile("catalog.zip", archive.read_bytes(), "application/zip")
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post("/admin/core/importjob/add/", {"kind": "catalog", "file": upload})
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.PREVIEWED, job.preview
    page = admin_client.get(f"/admin/core/importjob/{job.pk}/change/").content.decode()
    assert "Files not read" in page and ", ".join(NOT_READ) in page and page.count("users.csv") == 1


def test_every_file_refused_whole_is_named_in_one_run(db, export):
    (export / "categories.csv").write_bytes("code;parent;label-fr_FR\nhome;;Maison d'été\n".encode("cp1252"))
    products = (export / "products.csv").read_text(encoding="utf-8")
    (export / "products.csv").write_text(products[: products.index("<p>Cover only")], encoding="utf-8")
    (export / "attribute_groups.csv").write_text("code;sort_order;attributes\nmarketing;1", "utf-8")
    installer_extras(export)
    with pytest.raises(ImportRejected) as caught:
        catalog_import(actor=None, paths=[export])
    reasons = [error.reason for error in caught.value.errors]
    assert [reason.split(":")[0] for reason in reasons] == [
        "attribute_groups.csv",
        "categories.csv",
        "products.csv",
    ], reasons
    assert "the file is not UTF-8" in reasons[1] and "looks cut" in reasons[2]
    assert not Product.objects.exists() and not Locale.objects.filter(code="de_CH").exists()
