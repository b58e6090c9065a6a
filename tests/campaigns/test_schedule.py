from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django_celery_beat.models import PeriodicTask

from apps.campaigns import services
from apps.campaigns.models import Campaign
from apps.core.models import AuditLog
from apps.pricing import modifiers
from apps.pricing.models import EffectivePrice
from apps.pricing.selectors import prices_at
from tests.campaigns.factories import END, PARIS, START, approved, plan

S = Campaign.Status


def shown(xmas, sku="TOY-1"):
    """What each channel shows now for a product: (amount, promotion) per channel code."""
    rows = EffectivePrice.objects.filter(product=xmas.products[sku]).select_related("channel")
    return {row.channel.code: (row.amount, row.promotion) for row in rows}


def test_the_beat_runs_the_campaign_clock_every_minute(db):
    task = PeriodicTask.objects.get(name="Start and end campaigns")
    assert (task.task, task.interval.every, task.interval.period, task.enabled) == (
        "campaigns.tick", 1, "minutes", True,
    )  # fmt: skip


def test_prices_switch_on_every_channel_at_the_start_and_back_at_the_end(xmas, clock):
    campaign = approved(xmas)
    assert services.campaigns_tick() == {"scheduled": 1, "started": 0, "ended": 0}
    assert Campaign.objects.get().status == S.SCHEDULED
    clock.move_to(START - timedelta(seconds=1))
    services.campaigns_tick()
    assert shown(xmas) == {"web": (Decimal("20"), ""), "google": (Decimal("20"), "")}
    clock.move_to(START)
    assert services.campaigns_tick()["started"] == 1
    assert shown(xmas) == {"web": (Decimal("16"), "XMAS-P1"), "google": (Decimal("16"), "XMAS-P1")}
    row = EffectivePrice.objects.get(product=xmas.products["TOY-1"], channel=xmas.web)
    assert (row.valid_from, row.valid_until, row.regular_amount) == (START, END, Decimal("20"))
    assert shown(xmas, "TOY-2") == {"web": (Decimal("10"), ""), "google": (Decimal("10"), "")}
    clock.move_to(END)
    assert services.campaigns_tick()["ended"] == 1
    campaign.refresh_from_db()
    assert (campaign.status, campaign.started_at, campaign.ended_at) == (S.ENDED, START, END)
    assert shown(xmas) == {"web": (Decimal("20"), ""), "google": (Decimal("20"), "")}


def test_running_the_clock_twice_switches_once(xmas, clock):
    approved(xmas)
    clock.move_to(START)
    services.campaigns_tick()
    computed = set(EffectivePrice.objects.values_list("pk", "computed_at"))
    assert services.campaigns_tick() == {"scheduled": 0, "started": 0, "ended": 0}
    assert set(EffectivePrice.objects.values_list("pk", "computed_at")) == computed
    assert AuditLog.objects.filter(action="campaign.start").count() == 1


def test_a_start_missed_while_workers_were_down_is_caught_up(xmas, clock):
    approved(xmas)
    clock.move_to(START + timedelta(hours=3))
    services.campaigns_tick()
    assert Campaign.objects.get().status == S.LIVE
    assert shown(xmas)["web"] == (Decimal("16"), "XMAS-P1")
    assert AuditLog.objects.get(action="campaign.start").diff["late_by_s"] == 3 * 3600


def test_a_window_missed_entirely_ends_without_switching_prices_on(xmas, clock):
    approved(xmas)
    clock.move_to(END + timedelta(minutes=5))
    services.campaigns_tick()
    assert Campaign.objects.get().status == S.ENDED
    assert shown(xmas)["web"] == (Decimal("20"), "")


def test_a_campaign_approved_after_its_start_goes_live_at_once(
    xmas, clock, django_capture_on_commit_callbacks
):
    campaign = plan(xmas)
    services.campaign_submit(actor=xmas.marketer, campaign=campaign)
    clock.move_to(START + timedelta(minutes=10))
    with django_capture_on_commit_callbacks(execute=True):
        services.campaign_approve(actor=xmas.approver, campaign=campaign)
    assert Campaign.objects.get().status == S.LIVE
    assert shown(xmas)["google"] == (Decimal("16"), "XMAS-P1")


def test_the_switch_is_all_or_nothing_across_channels(xmas, clock):
    """If anything fails while the prices of the second channel are computed, the first channel's new
    prices and the status are rolled back with it: no reader ever sees half a campaign."""
    approved(xmas)
    google = xmas.google.pk

    def broken(rows, at):
        if any(channel == google for _p, channel, _b in rows):
            raise RuntimeError("worker lost")
        return {}

    modifiers.price_modifier_register(broken)
    clock.move_to(START)
    try:
        with pytest.raises(RuntimeError):
            services.campaigns_tick()
    finally:
        modifiers.price_modifier_unregister(broken)
    assert Campaign.objects.get().status == S.APPROVED
    assert shown(xmas) == {"web": (Decimal("20"), ""), "google": (Decimal("20"), "")}
    assert not EffectivePrice.objects.filter(dirty=True).exists()
    services.campaigns_tick()
    assert shown(xmas) == {"web": (Decimal("16"), "XMAS-P1"), "google": (Decimal("16"), "XMAS-P1")}
    assert EffectivePrice.objects.filter(promotion="XMAS-P1").values("computed_at").distinct().count() == 1


def test_cancelling_a_live_campaign_gives_the_prices_back_at_once(xmas, clock):
    campaign = approved(xmas)
    clock.move_to(START + timedelta(days=1))
    services.campaigns_tick()
    services.campaign_cancel(actor=xmas.marketer, campaign=campaign, comment="wrong products")
    assert Campaign.objects.get().status == S.CANCELLED
    assert shown(xmas) == {"web": (Decimal("20"), ""), "google": (Decimal("20"), "")}
    assert (
        prices_at([xmas.products["TOY-1"].pk], xmas.web, START + timedelta(days=2))[
            xmas.products["TOY-1"].pk
        ].promotion
        == ""
    )


def test_the_preview_at_the_start_is_what_the_switch_produces(xmas, clock):
    approved(xmas, categories=["christmas"], value="15")
    ids = [p.pk for p in xmas.products.values()]
    preview = {c.code: prices_at(ids, c, START) for c in (xmas.web, xmas.google)}
    clock.move_to(START)
    services.campaigns_tick()
    for code, by_product in preview.items():
        stored = {
            e.product_id: (e.amount, e.promotion, e.valid_from, e.valid_until)
            for e in EffectivePrice.objects.filter(channel__code=code)
        }
        assert {
            p: (c.amount, c.promotion, c.valid_from, c.valid_until) for p, c in by_product.items()
        } == stored
    assert preview["web"][xmas.products["DECO-1"].pk].amount == Decimal("25.50")


def test_the_switch_is_right_across_the_autumn_daylight_saving_change(xmas, clock):
    """Paris clocks go from 03:00 CEST back to 02:00 CET on Sunday 25 October 2026. A campaign typed as
    25 October 03:00 → 26 October 00:00 local starts at 02:00 UTC and lasts 22 hours, not 21."""
    clock.move_to(datetime(2026, 10, 20, 12, 0, tzinfo=PARIS))
    approved(xmas, start=datetime(2026, 10, 25, 3, 0), end=datetime(2026, 10, 26, 0, 0))
    campaign = Campaign.objects.get()
    assert (campaign.starts_at, campaign.ends_at) == (
        datetime(2026, 10, 25, 2, 0, tzinfo=UTC), datetime(2026, 10, 25, 23, 0, tzinfo=UTC),
    )  # fmt: skip
    for instant, status in [
        (datetime(2026, 10, 25, 0, 59, tzinfo=UTC), S.SCHEDULED),  # 02:59 CEST
        (datetime(2026, 10, 25, 1, 30, tzinfo=UTC), S.SCHEDULED),  # 02:30 CET, the second time round
        (datetime(2026, 10, 25, 2, 0, tzinfo=UTC), S.LIVE),  # 03:00 CET
        (datetime(2026, 10, 25, 22, 59, tzinfo=UTC), S.LIVE),  # 23:59 CET
        (datetime(2026, 10, 25, 23, 0, tzinfo=UTC), S.ENDED),  # midnight CET
    ]:
        clock.move_to(instant)
        services.campaigns_tick()
        assert Campaign.objects.get().status == status, instant
        assert shown(xmas)["web"][0] == (Decimal("16") if status == S.LIVE else Decimal("20")), instant
