"""A Christmas campaign as the channels see it: sale price and its dates from the start instant, in the
preview before, in the built feed during, and gone after the end."""

import xml.etree.ElementTree as ET
from datetime import datetime
from zoneinfo import ZoneInfo

import time_machine

from apps.campaigns import services as campaigns
from apps.channels import services
from apps.core.models import Role
from tests.channels.helpers import read
from tests.core.factories import UserFactory

PARIS = ZoneInfo("Europe/Paris")
G = "{http://base.google.com/ns/1.0}"
START, END = datetime(2026, 12, 1, tzinfo=PARIS), datetime(2026, 12, 26, tzinfo=PARIS)


def prices(run) -> tuple[str, str | None, str | None]:
    item = ET.fromstring(read(run)).find("channel/item")
    sale, dates = item.find(f"{G}sale_price"), item.find(f"{G}sale_price_effective_date")
    return (
        item.find(f"{G}price").text,
        sale.text if sale is not None else None,
        dates.text if dates is not None else None,
    )


def test_the_google_feed_carries_the_campaign_from_its_start_to_its_end(
    feeds, django_capture_on_commit_callbacks
):
    marketer = UserFactory(username="marion", roles=[Role.MARKETER])
    with time_machine.travel(datetime(2026, 11, 20, 9, tzinfo=PARIS), tick=False) as clock:
        feeds.sellable("TOY-1", price="20")
        campaign = campaigns.campaign_create(
            actor=marketer,
            code="XMAS",
            name="Noël",
            starts_at=START,
            ends_at=END,
            channels=[feeds.shop.google],
        )
        campaigns.promotion_add(
            actor=marketer,
            campaign=campaign,
            code="TOYS20",
            benefit="percentage_off",
            value="20",
            categories=["toys"],
        )
        campaigns.campaign_submit(actor=marketer, campaign=campaign)
        campaigns.campaign_approve(actor=feeds.shop.approver, campaign=campaign)

        preview = services.feed_build_start(actor=None, feed=feeds.google, at=START, preview=True)
        dates = "2026-12-01T00:00+01:00/2026-12-26T00:00+01:00"
        assert prices(preview) == ("20.00 EUR", "16.00 EUR", dates)
        assert prices(services.feed_build_start(actor=None, feed=feeds.google)) == ("20.00 EUR", None, None)

        clock.move_to(datetime(2026, 12, 1, 0, 1, tzinfo=PARIS))
        with django_capture_on_commit_callbacks(execute=True):
            campaigns.campaigns_tick()
        feeds.google.refresh_from_db()
        assert feeds.google.dirty
        [live] = services.feeds_build_dirty()
        assert prices(feeds.google.runs.get(pk=live)) == ("20.00 EUR", "16.00 EUR", dates)

        clock.move_to(datetime(2026, 12, 26, 0, 1, tzinfo=PARIS))
        with django_capture_on_commit_callbacks(execute=True):
            campaigns.campaigns_tick()
        [ended] = services.feeds_build_dirty()
        assert prices(feeds.google.runs.get(pk=ended)) == ("20.00 EUR", None, None)
