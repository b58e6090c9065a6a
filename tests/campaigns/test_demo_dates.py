"""The demo's campaigns are dated from the day it is loaded: the tour works on any day of the year (#42)."""

from datetime import datetime, timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from apps.campaigns.models import Campaign
from tests.campaigns.factories import PARIS

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "today", [datetime(2027, 3, 15, 9, 30, tzinfo=PARIS), datetime(2026, 12, 20, tzinfo=PARIS)]
)
def test_the_demo_campaigns_are_dated_from_today_whatever_the_day(today):
    out = StringIO()
    with time_machine.travel(today, tick=False):
        call_command("seed_demo", products=60, stdout=out)
        _check(today, out.getvalue())


def _check(today, said: str) -> None:
    christmas = Campaign.objects.get(code="NOEL")
    assert christmas.status == Campaign.Status.APPROVED
    assert today + timedelta(days=1) <= christmas.starts_at <= today + timedelta(days=7)
    assert christmas.ends_at - christmas.starts_at >= timedelta(days=14)
    running = Campaign.objects.get(code="HIVER")
    assert running.status == Campaign.Status.LIVE
    assert running.starts_at <= timezone.now() + timedelta(minutes=1) < running.ends_at <= christmas.starts_at
    assert "Campaign NOEL:" in said and "December" not in said
    assert f"{timezone.localtime(christmas.starts_at, PARIS):%Y-%m-%d}" in said
