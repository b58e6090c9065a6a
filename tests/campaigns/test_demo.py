from io import StringIO

import pytest
import time_machine
from django.core.management import call_command

from apps.campaigns.models import Campaign
from tests.campaigns.factories import NOW

pytestmark = pytest.mark.django_db


def test_the_demo_plans_an_approved_christmas_campaign_with_coupons():
    out = StringIO()
    with time_machine.travel(NOW, tick=False):
        call_command("seed_demo", products=60, stdout=out)
        call_command("seed_demo", products=60, stdout=StringIO())
    campaign = Campaign.objects.get(code="NOEL")
    assert (campaign.status, campaign.owner.username, campaign.approver.username) == (
        "approved", "marketer", "approver",
    )  # fmt: skip
    assert campaign.coupons.count() == 51 and campaign.promotions.count() == 2
    assert "Campaign NOEL:" in out.getvalue() and "2026-11-05" in out.getvalue()
