"""Journey: a merchandiser ticks products in the list, chooses the export action, picks XLSX, two
attributes and one locale on the page it opens, and downloads the file with just those columns."""

import io

import openpyxl
import pytest
from playwright.sync_api import expect

from apps.core.models import Role
from apps.products import flat
from tests.journeys.conftest import screenshot
from tests.journeys.helpers import PASSWORD, person
from tests.products.fixtures import build_shop, three_toys

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_export_page_works_in_the_browser_and_gives_the_chosen_columns(login, live_server):
    three_toys(build_shop())
    person("margot.e", Role.MERCHANDISER)
    page = login("margot.e", PASSWORD)
    page.goto(f"{live_server.url}/admin/products/product/")
    for n in (0, 1):
        page.locator("input.action-select").nth(n).check()
    page.select_option("select[name=action]", "export_selection")
    page.get_by_role("button", name="Run").click()
    # a field named "attributes" once hid the form's DOM attributes from Alpine: the page stayed blank
    expect(page.locator("#id_file_format")).to_be_visible()
    page.select_option("#id_file_format", "xlsx")
    page.locator("#id_attribute_codes").select_option(["name", "brand"])
    page.locator("input[name=locales][value=fr_FR]").check()
    screenshot(page, "export-choices")
    with page.expect_download() as download:
        page.locator("#export-form button[type=submit]").click()
    book = openpyxl.load_workbook(io.BytesIO(download.value.path().read_bytes()))
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[0] == (*flat.BASE_COLUMNS, "brand", "name-fr_FR")
    assert [row[0] for row in rows[1:]] == ["TOY-0", "TOY-1"]
