"""Demo campaigns, dated from the day the demo is loaded so that the tour works on any day of the year:
"HIVER", a winter sale running now (jumpers 15 % off until Christmas starts), and "NOEL", Christmas on
every channel starting in three days for four weeks (decorations 20 % off, chocolate 10 % off with 3 for 2
in the basket, a shared code and a batch of single-use codes). Planned by the marketer, approved by the
approver."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TextIO

from django.utils import timezone

from apps.campaigns import services
from apps.campaigns.models import Benefit, Campaign, Promotion
from apps.core.models import Channel, User
from apps.pricing.models import Price

CHRISTMAS_IN_DAYS = 3  # the tour approves a campaign before it starts, and shows its start a few days on
CHRISTMAS_DAYS = 28


def seed(*, products: int, out: TextIO) -> None:
    if Campaign.objects.filter(code="NOEL").exists() or not Price.objects.exists():
        return  # the benchmarks bring their own campaigns
    marketer, approver = User.objects.get(username="marketer"), User.objects.get(username="approver")
    now = timezone.localtime()
    midnight = datetime.combine(now.date(), datetime.min.time())  # naive: read in the campaign's timezone
    christmas_start = midnight + timedelta(days=CHRISTMAS_IN_DAYS)
    christmas_end = christmas_start + timedelta(days=CHRISTMAS_DAYS)
    channels = list(Channel.objects.all())

    # Running now: it cannot be planned to start in the past, so it starts at the next minute and is
    # switched on at that instant, as beat would a minute later.
    winter_start = (now + timedelta(minutes=1)).replace(second=0, microsecond=0, tzinfo=None)
    winter = services.campaign_create(
        actor=marketer, code="HIVER", name="Soldes d'hiver", starts_at=winter_start, ends_at=christmas_start,
        channels=channels, notes="Jumpers until Christmas starts.",
    )  # fmt: skip
    services.promotion_add(
        actor=marketer, campaign=winter, code="HIVER-PULLS", name="Jumpers −15 %",
        categories=["jumpers"], benefit=Benefit.PERCENTAGE_OFF, value="15",
    )  # fmt: skip
    services.campaign_submit(actor=marketer, campaign=winter)
    winter = services.campaign_approve(actor=approver, campaign=winter, comment="Demo")
    services.campaign_start(campaign=winter, now=winter.starts_at)

    campaign = services.campaign_create(
        actor=marketer, code="NOEL", name="Noël", starts_at=christmas_start, ends_at=christmas_end,
        channels=channels, notes="The Christmas weeks: decorations and chocolate.",
    )  # fmt: skip
    services.promotion_add(
        actor=marketer, campaign=campaign, code="NOEL-DECO", name="Decorations −20 %",
        categories=["decorations"], benefit=Benefit.PERCENTAGE_OFF, value="20", priority=10,
    )  # fmt: skip
    chocolate = services.promotion_add(
        actor=marketer, campaign=campaign, code="NOEL-CHOC", name="Chocolate −10 %, 3 for 2",
        categories=["chocolate"], benefit=Benefit.PERCENTAGE_OFF, value="10",
        stacking=Promotion.Stacking.CUMULATIVE, buy_x_get_y=(3, 1),
    )  # fmt: skip
    # the shared code gives the chocolate's 10 %: Google's promotions feed announces it with its discount
    services.coupon_create(
        actor=marketer, campaign=campaign, code="NOEL10", usage_limit=10_000, promotion=chocolate
    )
    services.coupons_generate(actor=marketer, campaign=campaign, count=50, prefix="XM-")
    impact = services.campaign_submit(actor=marketer, campaign=campaign)
    services.campaign_approve(actor=approver, campaign=campaign, comment="Demo")
    out.write(
        f"Campaign HIVER: running now until {christmas_start:%Y-%m-%d}\n"
        f"Campaign NOEL: {len(impact.changes)} prices change on {christmas_start:%Y-%m-%d} "
        f"until {christmas_end:%Y-%m-%d} ({len(impact.warnings)} warnings), 51 coupons\n"
    )
