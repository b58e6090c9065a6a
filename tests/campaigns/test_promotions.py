"""Editing a promotion of a draft: target, benefit, overrides, priority and stacking, with the checks of
adding one; a submission edited goes back to draft, a later campaign is frozen."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from apps.campaigns import selectors, services
from apps.campaigns.models import Benefit, Campaign, Promotion
from apps.core.models import AuditLog
from tests.campaigns.factories import START, approved, plan

S = Campaign.Status


def test_a_promotion_of_a_draft_is_edited_and_the_change_is_audited(xmas, clock):
    campaign = plan(xmas)
    promotion = campaign.promotions.get()
    services.promotion_update(
        actor=xmas.marketer, promotion=promotion, categories=[], skus=["TOY-2"], benefit=Benefit.AMOUNT_OFF,
        value="3", overrides={"google": (Benefit.PERCENTAGE_OFF, "25")}, priority=5,
        stacking=Promotion.Stacking.CUMULATIVE,
    )  # fmt: skip
    promotion.refresh_from_db()
    stored = (promotion.skus, promotion.categories, promotion.benefit, promotion.value, promotion.currency_id)
    assert stored == (["TOY-2"], [], Benefit.AMOUNT_OFF, Decimal(3), "EUR")
    assert (promotion.priority, promotion.stacking) == (5, Promotion.Stacking.CUMULATIVE)
    new = {(c.sku, c.channel): c.new for c in selectors.campaign_impact(campaign, now=START).changes}
    assert new == {("TOY-2", "google"): Decimal("7.50"), ("TOY-2", "web"): Decimal("7.00")}
    diff = AuditLog.objects.get(action="campaign.promotion_update").diff
    assert diff["value"] == ["20", "3"] and diff["overrides"] == [{}, {"google": ["percentage_off", "25"]}]
    assert diff["skus"] == [[], ["TOY-2"]] and "name" not in diff


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"value": "900"}, "value", "promotion XMAS-P1: a percentage of 900 % is more than 100 %"),
        ({"value": "0.9"}, "value", "0.9 % off is ambiguous: did you mean 90 %?"),
        ({"categories": []}, "target", "choose SKUs, categories, families, brands or a filter"),
        ({"skus": ["NOPE-1"]}, "skus", "unknown skus NOPE-1"),
        ({"stacking": "greedy"}, "stacking", "stacking is exclusive or cumulative, not 'greedy'"),
        ({"benefit": Benefit.FIXED_PRICE, "value": "5", "currency": "GBP"}, "currency",
         "XMAS-P1: 5 GBP cannot apply on"),
        ({"overrides": {"meta": (Benefit.AMOUNT_OFF, "1")}}, "overrides", "meta is not a channel of XMAS"),
        ({"code": "OTHER"}, "code", "cannot be changed here"),
    ],
)  # fmt: skip
def test_a_bad_edit_is_refused_clearly_and_changes_nothing(xmas, clock, change, field, message):
    campaign = plan(xmas)
    services.campaign_submit(actor=xmas.marketer, campaign=campaign)
    promotion = campaign.promotions.get()
    with pytest.raises(ValidationError) as refused:
        services.promotion_update(actor=xmas.marketer, promotion=promotion, **change)
    assert message in refused.value.message_dict[field][0]
    fresh = Promotion.objects.get(pk=promotion.pk)
    assert (fresh.value, fresh.categories, fresh.overrides.count()) == (Decimal(20), ["plush"], 0)
    assert Campaign.objects.get(pk=campaign.pk).status == S.SUBMITTED
    assert not AuditLog.objects.filter(action="campaign.promotion_update").exists()


def test_editing_a_promotion_of_a_submission_sends_it_back_to_draft(xmas, clock):
    campaign = plan(xmas)
    services.campaign_submit(actor=xmas.marketer, campaign=campaign)
    services.promotion_update(actor=xmas.marketer, promotion=campaign.promotions.get(), value="15")
    campaign.refresh_from_db()
    assert (campaign.status, campaign.updated_by) == (S.DRAFT, xmas.marketer)


def test_an_edit_that_changes_nothing_keeps_the_submission(xmas, clock):
    campaign = plan(xmas)
    services.campaign_submit(actor=xmas.marketer, campaign=campaign)
    services.promotion_update(actor=xmas.marketer, promotion=campaign.promotions.get(), value="20.00")
    assert Campaign.objects.get(pk=campaign.pk).status == S.SUBMITTED


def test_a_confirmed_small_percentage_stays_accepted_until_it_changes(xmas, clock):
    campaign = plan(xmas, value="0.5", confirm=True)
    promotion = campaign.promotions.get()
    services.promotion_update(actor=xmas.marketer, promotion=promotion, priority=3)
    with pytest.raises(ValidationError, match=r"0\.6 % off is ambiguous"):
        services.promotion_update(actor=xmas.marketer, promotion=promotion, value="0.6")
    services.promotion_update(actor=xmas.marketer, promotion=promotion, value="0.6", confirm=True)
    assert Promotion.objects.get(pk=promotion.pk).value == Decimal("0.6")


def test_a_promotion_of_an_approved_campaign_cannot_be_edited(xmas, clock):
    campaign = approved(xmas)
    with pytest.raises(ValidationError, match="XMAS is approved: only a draft or a submission can change"):
        services.promotion_update(actor=xmas.marketer, promotion=campaign.promotions.get(), value="50")
    assert Promotion.objects.get().value == Decimal(20)
