"""Import files are bounded before they are read: size, and for an XLSX or ZIP its entries, inflated
size and compression ratio (#40). A refusal is quick, says why, and writes nothing."""

import io
import time
import zipfile

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.core.models import ImportJob
from apps.exchange.tabular import ImportRejected, Table
from apps.products.models import Product


def xlsx_bomb(inflated: int = 60 * 1024 * 1024) -> bytes:
    """A genuine workbook whose sharedStrings.xml is swapped for tens of MB that pack into kilobytes."""
    book = openpyxl.Workbook()
    book.active.append(["sku", "family"])
    book.active.append(["TOY-1", "toys"])
    plain = io.BytesIO()
    book.save(plain)
    out = io.BytesIO()
    with zipfile.ZipFile(plain) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info.filename, source.read(info.filename))
        strings = b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        target.writestr("xl/sharedStrings.xml", strings + b"<si><t>" + b"A" * inflated + b"</t></si></sst>")
    return out.getvalue()


def zip_of_zeros(entries: int, size: int) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for n in range(entries):
            archive.writestr(f"files/{n}.csv", b"\0" * size)
    return out.getvalue()


def upload(client, name: str, data: bytes, kind: str = "products"):
    return client.post("/admin/core/importjob/add/", {"kind": kind, "file": SimpleUploadedFile(name, data)})


def test_an_xlsx_bomb_on_the_import_page_is_refused_at_once_and_nothing_kept(shop, client, settings):
    client.force_login(shop.merchandiser)
    bomb = xlsx_bomb()
    assert len(bomb) < 1024 * 1024
    client.get("/admin/core/importjob/add/")  # templates compiled: the time below is the upload's
    started = time.perf_counter()
    response = upload(client, "catalogue.xlsx", bomb)
    assert time.perf_counter() - started < 3
    page = response.content.decode()
    assert response.status_code == 200 and "xl/sharedStrings.xml unpacks to more than 100 times" in page
    assert not ImportJob.objects.exists() and not Product.objects.exists()
    assert not list((settings.MEDIA_ROOT).rglob("*.xlsx")) if settings.MEDIA_ROOT.exists() else True


def test_a_zip_whose_entries_inflate_past_the_limit_is_refused_before_inflating(admin_client, settings):
    settings.NOEL_ARCHIVE_MAX_INFLATED = 20 * 1024 * 1024
    settings.NOEL_ARCHIVE_MAX_RATIO = 10**9  # the total alone refuses it
    response = upload(admin_client, "akeneo.zip", zip_of_zeros(3, 8 * 1024 * 1024), kind="catalog")
    page = response.content.decode()
    assert "its content unpacks to 24.0 MB, over the limit of 20.0 MB; nothing was stored" in page
    assert not ImportJob.objects.exists()


def test_a_zip_with_too_many_entries_is_refused(admin_client, settings):
    settings.NOEL_ARCHIVE_MAX_ENTRIES = 5
    page = upload(admin_client, "akeneo.zip", zip_of_zeros(6, 10), kind="catalog").content.decode()
    assert "6 files inside, more than the 5 allowed; nothing was stored" in page
    assert not ImportJob.objects.exists()


def test_an_import_file_over_the_size_limit_is_refused_without_being_read(shop, client, settings):
    settings.NOEL_IMPORT_MAX_BYTES = 1000
    client.force_login(shop.merchandiser)
    text = "sku;family\n" + "".join(f"TOY-{n};toys\n" for n in range(200))
    page = upload(client, "products.csv", text.encode()).content.decode()
    assert "products.csv: 2.4 kB is over the size limit of 1000 bytes; nothing was stored" in page
    assert not ImportJob.objects.exists()


def test_the_worker_reading_an_xlsx_bomb_refuses_it_too(db):
    bomb = xlsx_bomb()
    started = time.perf_counter()
    with pytest.raises(ImportRejected) as refused:
        Table(io.BytesIO(bomb), "catalogue.xlsx")
    assert time.perf_counter() - started < 3
    assert "unpacks to more than 100 times its packed size" in str(refused.value)


def test_a_genuine_xlsx_still_imports(shop, client, django_capture_on_commit_callbacks):
    book = openpyxl.Workbook()
    book.active.append(["sku", "family", "name-fr_FR"])
    for n in range(50):
        book.active.append([f"TOY-{n}", "toys", "Renne " * 20])  # repetitive text packs well, not 100×
    data = io.BytesIO()
    book.save(data)
    client.force_login(shop.merchandiser)
    with django_capture_on_commit_callbacks(execute=True):
        upload(client, "catalogue.xlsx", data.getvalue())
    assert ImportJob.objects.get().preview["created"] == 50


def test_the_akeneo_import_refuses_a_zip_bomb_before_extracting_it(db, tmp_path):
    from apps.exchange.akeneo.imports import catalog_import

    bomb = tmp_path / "catalog.zip"
    bomb.write_bytes(zip_of_zeros(4, 8 * 1024 * 1024))
    started = time.perf_counter()
    with pytest.raises(ImportRejected) as refused:
        catalog_import(actor=None, paths=[bomb], name="catalog.zip")
    assert time.perf_counter() - started < 3
    assert "unpacks to more than 100 times its packed size" in str(refused.value)
    assert not Product.objects.exists()


def test_the_locale_import_of_the_admin_refuses_an_xlsx_bomb(admin_client):
    from apps.core.models import Locale

    before = Locale.objects.count()
    page = admin_client.get("/admin/core/locale/import/").content.decode()
    xlsx = next(v for v, label in _options(page, "format") if label.strip() == "xlsx")
    response = admin_client.post(
        "/admin/core/locale/import/",
        {"format": xlsx, "resource": "0", "import_file": SimpleUploadedFile("locales.xlsx", xlsx_bomb())},
    )
    assert "unpacks to more than 100 times its packed size" in response.content.decode()
    assert Locale.objects.count() == before


def _options(html: str, name: str) -> list[tuple[str, str]]:
    import re

    select = re.search(rf'<select[^>]*name="{name}".*?</select>', html, re.S).group()
    return re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', select)
