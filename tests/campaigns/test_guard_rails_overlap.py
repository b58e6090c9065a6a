"""A discount above the maximum is reported whatever else is in force: another campaign's exclusive
promotion winning the price does not hide this campaign's own excess (issue #42)."""

from datetime import datetime

import pytest

from apps.campaigns import selectors, services
from apps.campaigns.models import Promotion
from tests.campaigns.factories import PARIS, START, approved, plan


def _errors(impact):
    return sorted((f.rule, f.sku, f.channel) for f in impact.errors)


def test_the_maximum_discount_error_stays_when_an_exclusive_promotion_of_another_campaign_wins(xmas, clock):
    approved(xmas, code="EARLY", end=datetime(2026, 12, 10, tzinfo=PARIS), channels=[xmas.web], priority=10)
    campaign = plan(xmas, code="XMAS", value="90")
    with pytest.raises(services.GuardRailsFailed) as caught:
        services.campaign_submit(actor=xmas.marketer, campaign=campaign)
    errors = _errors(caught.value.impact)
    assert ("discount_above_max", "TOY-1", "web") in errors
    assert ("discount_above_max", "TOY-1", "google") in errors
    assert ("exclusive_overlap", "TOY-1", "web") in errors


def test_a_cumulative_promotion_left_out_by_an_exclusive_winner_is_still_checked(xmas, clock):
    approved(xmas, code="EARLY", channels=[xmas.web], priority=10)
    campaign = plan(xmas, code="XMAS", value="90", stacking=Promotion.Stacking.CUMULATIVE)
    impact = selectors.campaign_impact(campaign, now=START)
    assert ("discount_above_max", "TOY-1", "web") in _errors(impact)
    assert len([f for f in impact.errors if f.rule == "discount_above_max" and f.channel == "web"]) == 1
