"""Journey: an administrator opens a family's add and change pages, in English and in French, and saves its
attributes through the screen. A form field named "attributes" once hid the form's DOM `attributes` from
Alpine and htmx: both threw and the page stayed blank."""

import pytest
from playwright.sync_api import expect

from apps.core.models import Role
from apps.products.models import Family
from tests.journeys.conftest import screenshot
from tests.journeys.helpers import PASSWORD, person
from tests.products.fixtures import build_shop

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _watch_errors(page) -> list[str]:
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(f"pageerror: {exc}"))
    page.on("console", lambda msg: errors.append(f"console: {msg.text}") if msg.type == "error" else None)
    return errors


@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_family_pages_open_without_a_script_error_and_save_the_attributes(login, live_server, language):
    shop = build_shop()
    user = person(f"ada.{language}", Role.ADMIN)
    user.language = language
    user.save()
    page = login(user.username, PASSWORD)
    errors = _watch_errors(page)

    page.goto(f"{live_server.url}/admin/products/family/add/")
    expect(page.locator("#id_code")).to_be_visible()
    expect(page.locator("#requirements-group")).to_be_visible()
    screenshot(page, f"family-add-{language}")
    assert errors == [], errors

    family = shop.toys
    page.goto(f"{live_server.url}/admin/products/family/{family.pk}/change/")
    expect(page.locator("#id_code")).to_have_value("toys")
    screenshot(page, f"family-change-{language}")
    assert errors == [], errors

    # move "color" from the available attributes into the chosen ones, then save
    page.locator("select[id$='_from'] option", has_text="Color").dblclick()
    expect(page.locator("select#id_attribute_set_to option", has_text="Color")).to_have_count(1)
    page.click('button[name="_continue"]')
    page.wait_for_load_state()
    screenshot(page, f"family-saved-{language}")
    assert errors == [], errors
    codes = set(Family.objects.get(pk=family.pk).attributes.values_list("code", flat=True))
    assert "color" in codes and "name" in codes
