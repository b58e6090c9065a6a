"""Content assistance through the screens, in English and in French, on the demo data, against an
OpenAI-compatible server on loopback: a merchandiser asks for English descriptions from the product list,
follows the job, reviews the queue (a draft that invents a number refused beside a good one), edits and
accepts the good one; the approved product's change then waits for an approver. Assertions read data,
not words, so that they hold in both languages; the screenshots are looked at."""

from io import StringIO

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from apps.assist.models import Suggestion
from apps.core.models import User
from apps.products import services as product_services
from apps.products.models import PendingChange, Product
from tests.assist.conftest import ChatServer
from tests.journeys.conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DEMO_PASSWORD = "noel-demo-2026"


@pytest.fixture
def demo():
    call_command("seed_demo", products=40, stdout=StringIO())


@pytest.mark.parametrize("language", ["en", "fr"])
def test_a_merchandiser_asks_reviews_and_accepts_english_descriptions(
    demo, login, live_server, settings, language
):
    User.objects.filter(username="merchandiser").update(language=language)
    # an approved product with no English description at all (the demo leaves some so)
    product = next(
        p for p in Product.objects.filter(status="approved", parent__isnull=True).order_by("sku")
        if "en_GB" not in (p.values.get("description") or {})
    )  # fmt: skip
    name = product.values["name"]["en_GB"]["*"]
    with ChatServer() as chat:
        settings.NOEL_ASSIST_CHAT_URL, settings.NOEL_ASSIST_CHAT_MODEL = chat.url, "journey-model"
        settings.NOEL_ASSIST_TRANSLATOR = ""
        chat.answer(f"{name}: a festive gift idea.", f"{name}: a festive gift idea, only 12 left!")
        merch = login("merchandiser", DEMO_PASSWORD)
        if language == "fr":
            merch.goto(f"{live_server.url}/admin/")  # the saved language applies from the next page
        merch.goto(f"{live_server.url}/admin/products/product/?q={product.sku}")
        merch.check(f'input.action-select[value="{product.pk}"]')
        merch.select_option(
            'select[name="action"]', "suggest_descriptions" if language == "en" else "translate_to_english"
        )
        merch.locator('button[type="submit"][name="index"]').first.click()
        merch.wait_for_load_state()
        screenshot(merch, f"assist-asked-{language}")
        merch.goto(f"{live_server.url}/admin/assist/suggestion/?status__exact=pending")
        screenshot(merch, f"assist-queue-{language}")
    made = list(Suggestion.objects.filter(product=product).order_by("pk"))
    assert made, "the job made no suggestion"
    good = next(s for s in made if s.status == Suggestion.Status.PENDING)
    if language == "en":
        assert {s.status for s in made} == {"pending", "refused"}
    merch.goto(f"{live_server.url}/admin/assist/suggestion/{good.pk}/change/")
    merch.fill("#id_text", f"{name}: a festive gift idea for Christmas.")
    merch.check('input[name="decision"][value="accept"]')
    screenshot(merch, f"assist-edit-{language}")
    merch.click('button[name="_save"]')
    merch.wait_for_load_state()
    expect(merch.locator(".messagelist, [class*=message], body").first).to_contain_text(product.sku)
    screenshot(merch, f"assist-accepted-{language}")
    pending = PendingChange.objects.get(product=product)
    assert pending.changes["values"]["description"]["en_GB"][good.channel].endswith("for Christmas.")
    merchandiser = User.objects.get(username="merchandiser")
    product.refresh_from_db()
    assert merchandiser.pk in product.contributors  # four eyes: they may not approve what they accepted
    product_services.product_submit(actor=merchandiser, product=product)
    product_services.product_approve(actor=User.objects.get(username="approver"), product=product)
    live = Product.objects.get(pk=product.pk).values["description"]["en_GB"][good.channel]
    assert live.endswith("for Christmas.")
