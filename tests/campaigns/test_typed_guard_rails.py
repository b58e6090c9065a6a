"""Discounts are checked where they are typed: above the usual range the promotion form asks to confirm,
above the maximum it refuses; a refused submission is told grouped by problem, with counts (#42)."""

import re

from apps.campaigns.models import Campaign, Promotion
from tests.campaigns.factories import plan

URL = "/admin/campaigns/promotion/add/"


def _form(campaign, value, **extra):
    return {
        "campaign": campaign.pk, "code": "XMAS-P2", "name": "Plush", "categories": "plush",
        "skus": "", "families": "", "brands": "", "product_filter": "{}", "benefit": "percentage_off",
        "value": value, "priority": "0", "stacking": "exclusive", "buy_quantity": "", "free_quantity": "",
        "overrides": "{}", **extra,
    }  # fmt: skip


def _errors(response) -> str:
    lists = re.findall(r'class="[^"]*errorlist[^"]*"[^>]*>(.*?)</ul>', response.content.decode(), re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", m) for m in lists)


def test_a_discount_above_the_usual_range_asks_to_confirm_then_is_kept(xmas, clock, client):
    campaign = plan(xmas)
    client.force_login(xmas.marketer)
    response = client.post(URL, _form(campaign, "60"))
    assert response.status_code == 200
    assert "60 % off is above the usual range (up to 50 %)" in _errors(response)
    assert not Promotion.objects.filter(code="XMAS-P2").exists()
    client.post(URL, _form(campaign, "60", confirm_high="on"))
    assert Promotion.objects.get(code="XMAS-P2").value == 60


def test_a_discount_above_the_maximum_is_refused_where_it_is_typed(xmas, clock, client):
    campaign = plan(xmas)
    client.force_login(xmas.marketer)
    response = client.post(URL, _form(campaign, "90", confirm_high="on"))
    assert "90 % off is more than the 70 % allowed" in _errors(response)
    assert not Promotion.objects.filter(code="XMAS-P2").exists()


def test_the_usual_range_is_a_setting_the_field_carries_for_its_live_warning(xmas, clock, client, settings):
    settings.NOEL_CAMPAIGN_USUAL_DISCOUNT = "0.30"
    client.force_login(xmas.marketer)
    page = client.get(URL).content.decode()
    assert 'data-usual-max="30"' in page and 'data-max="70"' in page


def test_a_refused_submission_is_told_grouped_by_problem_with_counts(xmas, clock, client):
    campaign = plan(xmas, value="75", categories=["plush", "toys"])
    client.force_login(xmas.marketer)
    response = client.post(
        "/admin/campaigns/campaign/", {"action": "submit", "_selected_action": [campaign.pk]}, follow=True
    )
    texts = [str(m) for m in response.context["messages"]]
    assert any("XMAS: 8 guard-rail error(s)" in t for t in texts)
    grouped = [t for t in texts if "Discount above the maximum: 4" in t]
    assert len(grouped) == 1 and f"/admin/campaigns/campaign/{campaign.pk}/review/" in grouped[0]
    assert not any("TOY-2 on web" in t and "TOY-1 on web" in t for t in texts)  # not one paragraph
    assert Campaign.objects.get().status == Campaign.Status.DRAFT
