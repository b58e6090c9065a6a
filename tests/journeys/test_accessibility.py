"""Journey: a keyboard and screen-reader user on the admin. The first Tab reaches a "skip to content"
link that jumps past the sidebar; icon glyphs (ligatures such as "redeem") are hidden from screen readers;
the tab shows Noel's icon."""

import pytest
from playwright.sync_api import expect

from apps.core.models import Role
from tests.journeys.conftest import screenshot
from tests.journeys.helpers import PASSWORD, person
from tests.products.fixtures import build_shop

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize(("language", "skip"), [("en", "Skip to content"), ("fr", "Aller au contenu")])
def test_a_keyboard_user_skips_the_sidebar_and_hears_no_icon_names(login, live_server, language, skip):
    build_shop()
    user = person(f"kim.{language}", Role.MERCHANDISER)
    user.language = language
    user.save()
    page = login(user.username, PASSWORD)
    page.goto(f"{live_server.url}/admin/products/product/")
    page.keyboard.press("Tab")
    focused = page.locator(":focus")
    expect(focused).to_have_text(skip)
    screenshot(page, f"skip-link-{language}")
    focused.press("Enter")
    assert page.url.endswith("#content")
    spoken = page.evaluate(
        "[...document.querySelectorAll('.material-symbols-outlined')]"
        ".filter(icon => icon.getAttribute('aria-hidden') !== 'true').map(icon => icon.textContent.trim())"
    )
    assert spoken == []
    icon = page.locator("link[rel=icon]")
    assert page.request.get(f"{live_server.url}{icon.get_attribute('href')}").status == 200
