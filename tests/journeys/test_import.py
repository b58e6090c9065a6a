"""Journey 2: a merchandiser imports a 1,000-row CSV with three bad rows; the dry run refuses the file and
explains each of those rows; they fix the file and import it again, watch the progress bar while a real
Celery worker applies it, and find the products in the catalog."""

import pytest
from playwright.sync_api import expect

from apps.core.models import ImportJob, Role
from apps.products.models import Product
from config.celery import app as celery_app
from tests.journeys.conftest import screenshot
from tests.journeys.helpers import PASSWORD, person
from tests.products.fixtures import build_shop
from tests.workers import celery_workers

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
ROWS = 1000
HEADER = "sku;family;categories;name-fr_FR;name-en_GB;brand;age_min"
BAD = {  # row number in the file (the header is row 1) → (bad line, column, what the reason says)
    18: ("TOY-0016;jouets;toys;Toupie 16;Top 16;Lutin;3", "family", "unknown family jouets"),
    402: ("TOY-0400;toys;toys;Toupie 400;Top 400;Lutin;trois", "age_min", "is not a number"),
    977: ("TOY-0975;toys;toys;Toupie 975;Top 975;Lutin;42", "age_min", "above the maximum 18"),
}


def catalog_file(*, with_mistakes: bool) -> bytes:
    lines = [HEADER]
    for n in range(ROWS):
        row = n + 2
        if with_mistakes and row in BAD:
            lines.append(BAD[row][0])
        else:
            lines.append(f"TOY-{n:04d};toys;toys;Toupie {n};Top {n};Lutin;{3 + n % 10}")
    return ("\n".join(lines) + "\n").encode()


def upload(page, url: str, content: bytes) -> None:
    page.goto(url)
    page.select_option("#id_kind", "products")
    page.set_input_files("#id_file", {"name": "catalogue.csv", "mimeType": "text/csv", "buffer": content})
    page.get_by_role("button", name="Check the file").click()


def test_a_file_with_three_bad_rows_is_explained_fixed_and_imported_with_progress(
    login, live_server, settings, monkeypatch, tmp_path
):
    # As under `make run`: the web process and the worker share the cache through a folder.
    cache_url = f"filecache://{tmp_path / 'cache'}"
    monkeypatch.setenv("CACHE_URL", cache_url)
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
                                   "LOCATION": str(tmp_path / "cache")}}  # fmt: skip
    build_shop()
    person("margot.b", Role.MERCHANDISER)
    add = f"{live_server.url}/admin/core/importjob/add/"

    celery_app.control.purge()
    with celery_workers(1, celery_app.conf.task_default_queue):
        margot = login("margot.b", PASSWORD)
        upload(margot, add, catalog_file(with_mistakes=True))
        expect(margot.locator('[data-status="refused"]')).to_be_visible(timeout=60_000)
        errors = margot.locator("#import-errors tbody tr")
        expect(errors).to_have_count(3)
        for n, (row, (_line, column, reason)) in enumerate(sorted(BAD.items())):
            expect(errors.nth(n).locator("td").nth(0)).to_have_text(str(row))
            expect(errors.nth(n).locator("td").nth(1)).to_have_text(column)
            expect(errors.nth(n)).to_contain_text(reason)
        expect(margot.locator("body")).to_contain_text("Nothing was imported")
        expect(margot.get_by_role("button", name="Confirm the import")).to_have_count(0)
        screenshot(margot, "journey2-refused-rows")
        assert not Product.objects.exists()

        margot.get_by_role("link", name="upload the corrected file").click()
        expect(margot).to_have_url(add)
        upload(margot, add, catalog_file(with_mistakes=False))
        expect(margot.locator('[data-status="previewed"]')).to_be_visible(timeout=60_000)
        expect(margot.locator("tr", has_text="To create")).to_contain_text(str(ROWS))
        margot.get_by_role("button", name="Confirm the import").click()
        progress = margot.get_by_role("progressbar")
        expect(progress).to_be_visible()
        expect(margot.locator("body")).to_contain_text(f"of {ROWS} rows")
        screenshot(margot, "journey2-progress")
        expect(margot.locator('[data-status="done"]')).to_be_visible(timeout=90_000)
    job = ImportJob.objects.latest("id")
    assert (job.status, job.report["created"], job.report["error_count"]) == ("done", ROWS, 0)
    assert Product.objects.filter(family__code="toys").count() == ROWS
    margot.goto(f"{live_server.url}/admin/products/product/")
    expect(margot.locator("#result_list tbody tr")).to_have_count(50)  # a page of the 1,000
    # A tablet, portrait: the table scrolls inside the page, the page itself does not scroll sideways.
    margot.set_viewport_size({"width": 800, "height": 1280})
    assert margot.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    margot.goto(f"{live_server.url}/admin/products/product/?q=TOY-0975")
    expect(margot.locator("#result_list")).to_contain_text("Top 975")
    screenshot(margot, "journey2-imported")
