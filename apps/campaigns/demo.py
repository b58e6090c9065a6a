"""Demo campaign: Christmas on every channel, decorations 20 % off and chocolate 10 % off (3 for 2 in the
basket), a shared code and a batch of single-use codes; planned by the marketer, approved by the approver."""

from __future__ import annotations

from datetime import datetime
from typing import TextIO

from django.utils import timezone

from apps.campaigns import services
from apps.campaigns.models import Benefit, Campaign, Promotion
from apps.core.models import Channel, User
from apps.pricing.models import Price


def seed(*, products: int, out: TextIO) -> None:
    if Campaign.objects.filter(code="NOEL").exists() or not Price.objects.exists():
        return  # the benchmarks bring their own campaigns
    marketer, approver = User.objects.get(username="marketer"), User.objects.get(username="approver")
    now = timezone.localtime()
    year = now.year if now < datetime(now.year, 12, 1, tzinfo=now.tzinfo) else now.year + 1
    campaign = services.campaign_create(
        actor=marketer, code="NOEL", name="Noël", starts_at=datetime(year, 12, 1),
        ends_at=datetime(year, 12, 26), channels=list(Channel.objects.all()),
        notes="The Christmas weeks: decorations and chocolate.",
    )  # fmt: skip
    services.promotion_add(
        actor=marketer, campaign=campaign, code="NOEL-DECO", name="Decorations −20 %",
        categories=["decorations"], benefit=Benefit.PERCENTAGE_OFF, value="20", priority=10,
    )  # fmt: skip
    services.promotion_add(
        actor=marketer, campaign=campaign, code="NOEL-CHOC", name="Chocolate −10 %, 3 for 2",
        categories=["chocolate"], benefit=Benefit.PERCENTAGE_OFF, value="10",
        stacking=Promotion.Stacking.CUMULATIVE, buy_x_get_y=(3, 1),
    )  # fmt: skip
    services.coupon_create(actor=marketer, campaign=campaign, code="NOEL10", usage_limit=10_000)
    services.coupons_generate(actor=marketer, campaign=campaign, count=50, prefix="XM-")
    impact = services.campaign_submit(actor=marketer, campaign=campaign)
    services.campaign_approve(actor=approver, campaign=campaign, comment="Demo")
    out.write(
        f"Campaign NOEL: {len(impact.changes)} prices change on 1 December {year} "
        f"({len(impact.warnings)} warnings), 51 coupons\n"
    )
