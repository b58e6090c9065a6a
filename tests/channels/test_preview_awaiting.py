"""A preview may show campaigns awaiting approval "as if approved" when asked, so that a marketer sees
what a submitted campaign will do; a published feed never shows them (#42)."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError

from apps.campaigns import services as campaigns
from apps.channels import services
from apps.core.models import Role
from tests.channels.test_campaign_feeds import prices
from tests.core.factories import UserFactory

PARIS = ZoneInfo("Europe/Paris")
START, END = datetime(2026, 12, 1, tzinfo=PARIS), datetime(2026, 12, 26, tzinfo=PARIS)


def _submitted(feeds):
    marketer = UserFactory(username="marion", roles=[Role.MARKETER])
    feeds.sellable("TOY-1", price="20")
    campaign = campaigns.campaign_create(
        actor=marketer, code="XMAS", name="Noël", starts_at=START, ends_at=END, channels=[feeds.shop.google]
    )
    campaigns.promotion_add(
        actor=marketer, campaign=campaign, code="TOYS20", benefit="percentage_off", value="20",
        categories=["toys"],
    )  # fmt: skip
    campaigns.campaign_submit(actor=marketer, campaign=campaign)
    return campaign


def test_a_preview_shows_a_submitted_campaign_only_when_asked_and_a_build_never(feeds):
    with time_machine.travel(datetime(2026, 11, 20, 9, tzinfo=PARIS), tick=False):
        _submitted(feeds)
        plain = services.feed_build_start(actor=None, feed=feeds.google, at=START, preview=True)
        assert prices(plain)[1] is None
        asked = services.feed_build_start(
            actor=None, feed=feeds.google, at=START, preview=True, include_awaiting_approval=True
        )
        assert prices(asked)[1] == "16.00 EUR" and asked.includes_awaiting_approval
        with pytest.raises(ValidationError, match="Only a preview"):
            services.feed_build_start(actor=None, feed=feeds.google, at=START, include_awaiting_approval=True)
        assert prices(services.feed_build_start(actor=None, feed=feeds.google, at=START))[1] is None


def test_the_campaign_preview_offers_the_option_with_a_clear_label(feeds, client):
    with time_machine.travel(datetime(2026, 11, 20, 9, tzinfo=PARIS), tick=False):
        campaign = _submitted(feeds)
        client.force_login(UserFactory(username="mona", roles=[Role.MARKETER]))
        url = f"/admin/campaigns/campaign/{campaign.pk}/preview/?at=2026-12-01T00:00"
        plain = client.get(url).content.decode()
        assert "Include campaigns awaiting approval (as if approved)" in plain and "16.00" not in plain
        asked = client.get(f"{url}&awaiting=1").content.decode()
        assert "16.00" in asked and "data-as-if-approved" in asked
