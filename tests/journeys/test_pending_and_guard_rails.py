"""Journeys of issue #42, in English and in French, through the screens only, on the demo data and its
logins: a merchandiser edits an approved product, sees the change pending in the list and on the form,
submits it, and the approver approves it in the pending-changes queue; a marketer types 90 % in a promotion
and is warned as they type, then refused on save. Assertions read the page's data attributes, not its
words, so that they hold in both languages; the screenshots are looked at."""

from io import StringIO

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from apps.core.models import User
from apps.products.models import PendingChange, Product
from tests.journeys.conftest import screenshot
from tests.journeys.helpers import choose

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DEMO_PASSWORD = "noel-demo-2026"


@pytest.fixture
def demo():
    call_command("seed_demo", products=40, stdout=StringIO())


def _speaking(language: str) -> None:
    """The demo people's admin language (what the header's language switch saves)."""
    User.objects.filter(username__in=["merchandiser", "approver", "marketer"]).update(language=language)


@pytest.mark.parametrize("language", ["en", "fr"])
def test_an_approved_products_edit_is_pending_then_approved_in_the_queue(demo, login, live_server, language):
    _speaking(language)
    product = Product.objects.filter(status="approved", is_model=False, parent__isnull=True).order_by("sku")[
        0
    ]
    field = 'input[name="v|name|fr_FR|*"]'
    merch = login("merchandiser", DEMO_PASSWORD)
    merch.goto(f"{live_server.url}/admin/products/product/?q={product.sku}")
    merch.click(f"text={product.sku}")
    live_name = merch.input_value(field)
    merch.fill(field, f"{live_name} (édition limitée)")
    merch.click('button[name="_continue"]')
    merch.wait_for_load_state()
    expect(merch.locator(".noel-pending-note")).to_be_visible()  # the form says the change is pending
    expect(merch.locator(field)).to_have_value(f"{live_name} (édition limitée)")
    expect(merch.locator(f"{field}.noel-pending")).to_have_count(1)  # marked, its live value beside it
    assert live_name in merch.inner_text("form#product_form")  # said beside the field (inputs are not text)
    screenshot(merch, f"pending-form-{language}")

    merch.goto(f"{live_server.url}/admin/products/product/?pending=any")
    row = merch.locator("tr", has_text=product.sku)
    expect(row.locator("td.field-pending_badge span")).to_have_count(1)
    row.locator("input.action-select").check()
    merch.select_option('select[name="action"]', "submit_selected")
    merch.locator('button[type="submit"][name="index"]').first.click()
    merch.wait_for_load_state()
    screenshot(merch, f"pending-list-{language}")
    assert PendingChange.objects.get(product=product).submitted

    approver = login("approver", DEMO_PASSWORD)
    approver.click('a[href$="/admin/products/product/pending/"]')  # the sidebar's "Pending changes"
    section = approver.locator(f'[data-pending-product="{product.sku}"]')
    expect(section.locator('tr[data-diff="name"]')).to_contain_text("(édition limitée)")
    expect(section.locator('tr[data-diff="name"]')).to_contain_text(live_name)
    screenshot(approver, f"pending-queue-{language}")
    section.locator('button[value="approve"]').click()
    approver.wait_for_load_state()
    expect(approver.locator(f'[data-pending-product="{product.sku}"]')).to_have_count(0)
    screenshot(approver, f"pending-approved-{language}")
    product.refresh_from_db()
    assert product.values["name"]["fr_FR"]["*"] == f"{live_name} (édition limitée)"


@pytest.mark.parametrize("language", ["en", "fr"])
def test_ninety_percent_typed_in_a_promotion_is_warned_then_refused(demo, login, live_server, language):
    from apps.campaigns.models import Campaign, Promotion

    _speaking(language)
    marketer = login("marketer", DEMO_PASSWORD)
    marketer.goto(f"{live_server.url}/admin/campaigns/campaign/add/")
    marketer.fill("#id_code", f"JOUR-{language}")
    marketer.fill("#id_name", "Journée")
    start = Campaign.objects.get(code="NOEL").starts_at
    marketer.fill("#id_starts_at_0", f"{start:%d/%m/%Y}" if language == "fr" else f"{start:%Y-%m-%d}")
    marketer.fill("#id_starts_at_1", "10:00:00")
    marketer.fill("#id_ends_at_0", f"{start:%d/%m/%Y}" if language == "fr" else f"{start:%Y-%m-%d}")
    marketer.fill("#id_ends_at_1", "20:00:00")
    marketer.select_option("#id_channels", index=0)
    marketer.click('button[name="_save"]')
    marketer.wait_for_load_state()
    campaign = Campaign.objects.get(code=f"JOUR-{language}")

    marketer.goto(f"{live_server.url}/admin/campaigns/promotion/add/")
    marketer.select_option("#id_campaign", str(campaign.pk))
    marketer.fill("#id_code", f"JOUR-{language}-P1")
    decorations = "Décorations" if language == "fr" else "Decorations"
    choose(marketer, "categories", decorations, decorations)
    marketer.select_option("#id_benefit", "percentage_off")
    marketer.fill("#id_value", "60")
    note = marketer.locator("[data-discount-note]")
    expect(note).to_contain_text("60")  # above the usual range: warned as it is typed
    screenshot(marketer, f"promotion-60-{language}")
    marketer.fill("#id_value", "90")
    expect(note).to_contain_text("70")  # above the maximum: refused as it is typed
    screenshot(marketer, f"promotion-90-{language}")
    marketer.click('button[name="_save"]')
    marketer.wait_for_load_state()
    expect(marketer.locator(".errorlist").first).to_contain_text("70")
    screenshot(marketer, f"promotion-90-refused-{language}")
    assert not Promotion.objects.filter(code=f"JOUR-{language}-P1").exists()
