"""Journey: the pages people open every day are readable: each piece of text against what is drawn
behind it has a contrast of at least 4.5:1 (3:1 for large text), computed by Chromium on the page as
painted (tests/journeys/contrast.js), in the light theme the admin opens in."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from apps.campaigns import services as campaigns
from apps.core.models import Role
from apps.products import services as catalog
from tests.journeys.helpers import PASSWORD, person
from tests.products.fixtures import build_shop, texts


def START():
    """A campaign's start on any day the journey runs: midnight ten days from now, Paris time."""
    return timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=10)


pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CONTRAST = (Path(__file__).parent / "contrast.js").read_text()


def test_the_daily_pages_have_a_readable_contrast(login, live_server):
    shop = build_shop()
    toy = catalog.product_create(
        actor=None, sku="TOY-1", family=shop.toys, categories=["plush"], values={"name": texts("Renne")}
    )
    catalog.product_submit(actor=shop.merchandiser, product=toy)
    catalog.product_approve(actor=shop.approver, product=toy)
    admin = person("ada.contrast", Role.ADMIN)
    campaign = campaigns.campaign_create(
        actor=admin,
        code="XMAS",
        name="Noël",
        starts_at=START(),
        ends_at=START() + timedelta(days=20),
        channels=[shop.web],
    )
    page = login("ada.contrast", PASSWORD)
    pages = [
        "/admin/",
        "/admin/products/product/",
        f"/admin/products/product/{toy.pk}/change/",
        "/admin/campaigns/campaign/",
        f"/admin/campaigns/campaign/{campaign.pk}/change/",
        "/admin/campaigns/promotion/add/",
        f"/admin/campaigns/campaign/calendar/?date={START():%Y-%m-%d}",
        "/admin/channels/feedrun/",
        "/admin/quality/finding/",
    ]
    unreadable = {}
    for path in pages:
        page.goto(f"{live_server.url}{path}")
        page.wait_for_load_state("networkidle")
        if found := page.evaluate(CONTRAST):
            unreadable[path] = sorted(set(found))[:10]
    assert unreadable == {}
