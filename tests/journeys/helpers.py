"""What several journeys do the same way: people with a role and a password, a bulk action on an admin
list, waiting for a feed run built by a real worker, pictures to upload."""

from __future__ import annotations

import io
import time

from playwright.sync_api import Page, expect

from apps.channels.models import FeedRun
from tests.core.factories import UserFactory

PASSWORD = "pw-noel-2026"


def person(username: str, role: str):
    user = UserFactory(username=username, roles=[role], language="en")
    user.set_password(PASSWORD)
    user.save()
    return user


def list_action(page: Page, url: str, pk: int, action: str, done: str) -> None:
    """Tick one row of an admin list, run a bulk action on it and wait for its success message."""
    page.goto(url)
    page.check(f'input.action-select[value="{pk}"]')
    page.select_option('select[name="action"]', action)
    page.locator('button[type="submit"][name="index"], button:has-text("Run")').first.click()
    expect(page.locator("body")).to_contain_text(done)


def wait_for_run(page: Page | None = None, url: str = "", after: int = 0) -> FeedRun:
    """The newest feed run once the workers have finished it (90 s at most), then open `url`."""
    deadline = time.monotonic() + 90
    run = FeedRun.objects.filter(pk__gt=after).order_by("-id").first()
    while (run is None or run.status == FeedRun.Status.RUNNING) and time.monotonic() < deadline:
        time.sleep(0.3)
        run = FeedRun.objects.filter(pk__gt=after).order_by("-id").first()
    assert run is not None, "no feed run was started"
    if page is not None and url:
        page.goto(url)
    return run


def wait_for_runs(count: int, after: int) -> list[FeedRun]:
    """`count` feed runs started after run `after`, once all of them are finished."""
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        runs = list(FeedRun.objects.filter(pk__gt=after).select_related("feed__channel").order_by("id"))
        if len(runs) >= count and all(r.status != FeedRun.Status.RUNNING for r in runs):
            return runs
        time.sleep(0.3)
    raise AssertionError(f"expected {count} finished feed runs after #{after}, got {runs}")


def picture(color: str, size: int = 600) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (size, size), color).save(buffer, "PNG")
    return buffer.getvalue()


def choose(page: Page, field: str, typed: str, option: str) -> None:
    """Open a select2 picker (categories, products, brands…), type, and click the option offered."""
    page.locator(f"select[name='{field}'] + .select2").click()
    page.locator(".select2-container--open .select2-search__field").fill(typed)
    page.locator(".select2-results__option", has_text=option).first.click()


def write_product(
    page: Page, *, names: tuple[str, str], descriptions: tuple[str, str], brand: str, category: str
) -> None:
    """On a product's form: its French and English names, its descriptions in every box the form shows (one
    per channel that needs it), its brand and a category picked in the tree; then Save and continue."""
    page.fill('input[name="v|name|fr_FR|*"]', names[0])
    page.fill('input[name="v|name|en_GB|*"]', names[1])
    for locale, text in zip(("fr_FR", "en_GB"), descriptions, strict=True):
        for field in page.locator(f'textarea[name^="v|description|{locale}|"]').all():
            field.fill(text)
    page.fill('input[name="v|brand|*|*"]', brand)
    choose(page, "categories", category, category)
    page.click('button[name="_continue"]')
