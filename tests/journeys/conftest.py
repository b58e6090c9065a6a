"""Journeys in a real browser: Debian's Chromium driven by Playwright against a live Noel server.

Without /usr/bin/chromium these tests are skipped with a message, except under CI=true, where they fail:
`.ci/run` installs Chromium, so a missing browser there is a broken machine, not a reason to skip.
"""

import io
import os
from pathlib import Path

import pytest

# Playwright's sync API keeps an event loop running in this thread; the ORM calls of the tests are still
# synchronous, so Django's async guard must be told (the documented way for browser tests).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "var" / "screenshots"
# The README's pictures of the main screens: written to var/screenshots/docs/ on every run, and over
# docs/screenshots/ when NOEL_DOCS_SCREENSHOTS=1 (to refresh the committed ones).
DOCS = (
    ROOT / "docs" / "screenshots" if os.environ.get("NOEL_DOCS_SCREENSHOTS") == "1" else SCREENSHOTS / "docs"
)
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--no-first-run"]  # fmt: skip


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{CHROMIUM} is missing on CI: .ci/run should have installed it")
        pytest.skip(
            f"browser journeys need Debian's Chromium: apt-get install chromium (looked for {CHROMIUM})"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def login(browser, live_server):
    """Open a signed-in page for a person (each in their own browser context, like two computers)."""
    contexts = []

    def open_as(username: str, password: str):
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
        contexts.append(context)
        page = context.new_page()
        page.goto(f"{live_server.url}/admin/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", password)
        page.click("button[type=submit]")
        page.wait_for_load_state()
        page.wait_for_url(f"{live_server.url}/admin/")
        return page

    yield open_as
    for context in contexts:
        context.close()


def screenshot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def docs_screenshot(page, name: str) -> Path:
    """What the screen shows at 1280 px, no more, in 256 colours: a README picture small enough to commit."""
    from PIL import Image

    DOCS.mkdir(parents=True, exist_ok=True)
    path = DOCS / f"{name}.png"
    Image.open(io.BytesIO(page.screenshot(full_page=False))).quantize(256).save(path, optimize=True)
    return path
