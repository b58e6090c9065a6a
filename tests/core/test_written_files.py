"""Every file Noel writes for people goes through the one CSV writer: no live formula in any column."""

import csv
import io

from django.core.files.uploadedfile import SimpleUploadedFile

from apps.core.models import ImportJob, Locale
from apps.products.models import Product


def test_an_imports_errors_csv_escapes_every_column_the_sku_too(
    shop, client, django_capture_on_commit_callbacks
):
    client.force_login(shop.merchandiser)
    # SKUs outside the alphabet are refused (the sku column), a formula in a value where it is typed
    text = "sku;family;age_min\n@SUM(1+1);toys;1\nTOY-1;toys;=cmd|x\n-2+3;toys;old\n"
    upload = SimpleUploadedFile("products.csv", text.encode(), "text/csv")
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/admin/core/importjob/add/", {"kind": "products", "file": upload})
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.REFUSED and not Product.objects.exists()
    body = client.get(f"/admin/core/importjob/{job.pk}/errors.csv").content.decode()
    rows = list(csv.reader(io.StringIO(body), delimiter=";"))[1:]
    assert [row[:4] for row in rows] == [
        ["2", "sku", "'@SUM(1+1)", ""],
        ["3", "age_min", "TOY-1", "'=cmd|x"],
        ["4", "sku", "'-2+3", ""],
    ]
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)


def test_the_locale_export_of_the_admin_escapes_formulas(admin_client, db):
    Locale.objects.update_or_create(code="xx_XX", defaults={"name": '=HYPERLINK("https://evil.example")'})
    page = admin_client.get("/admin/core/locale/export/")
    assert page.status_code == 200
    formats = {label.strip(): value for value, label in _options(page.content.decode(), "format")}
    response = admin_client.post(
        "/admin/core/locale/export/",
        {"format": formats["csv"], "resource": "0", "localeresource_code": "on", "localeresource_name": "on",
         "localeresource_is_active": "on"},
    )  # fmt: skip
    body = response.content.decode()
    assert "'=HYPERLINK" in body and ",=HYPERLINK" not in body and '"=HYPERLINK' not in body


def _options(html: str, name: str) -> list[tuple[str, str]]:
    import re

    select = re.search(rf'<select[^>]*name="{name}".*?</select>', html, re.S).group()
    return re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', select)
