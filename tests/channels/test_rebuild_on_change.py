"""A feed is rebuilt when something it depends on changed, and only then: the beat's jobs running minute
after minute over the unchanged demo start no build (neither the every-minute job nor the feeds' own
schedules); a price change rebuilds that channel's feed only (and the local inventory feed, which
follows Google's); a campaign starting rebuilds the feeds it
reaches once, and its being live does not keep them rebuilding."""

import json
from datetime import datetime, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.db import transaction
from django.test import TestCase, override_settings
from django_celery_beat.models import PeriodicTask

from apps.campaigns.models import Campaign
from apps.channels.models import Feed, FeedRun
from apps.core.models import Channel
from apps.pricing.models import Price
from apps.pricing.services import price_set
from config.celery import app as celery_app

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")
EVE = datetime(2026, 11, 30, 23, 40, tzinfo=PARIS)  # the demo is loaded then; its campaigns follow that day


def _due(task: PeriodicTask, at: datetime) -> bool:
    """Whether the beat sends this job in the minute `at`: interval jobs (every minute at most often) each
    time; a crontab job when its fields match the minute in its time zone."""
    if task.crontab_id is None:
        return True
    cron = task.crontab.schedule
    local = at.astimezone(ZoneInfo(str(task.crontab.timezone)))
    return (
        local.minute in cron.minute
        and local.hour in cron.hour
        and local.day in cron.day_of_month
        and local.month in cron.month_of_year
        and local.isoweekday() % 7 in cron.day_of_week
    )


def _beat_minute(at: datetime) -> list[FeedRun]:
    """Run at `at` every job the beat would send in that minute, as its worker does (after-commit events
    delivered, the tasks they queue run); the feed runs it started."""
    before = set(FeedRun.objects.values_list("pk", flat=True))
    with time_machine.travel(at, tick=False), TestCase.captureOnCommitCallbacks(execute=True):
        for task in PeriodicTask.objects.filter(enabled=True).select_related("crontab").order_by("pk"):
            if _due(task, at):
                celery_app.tasks[task.task].apply(
                    args=json.loads(task.args or "[]"), kwargs=json.loads(task.kwargs or "{}")
                )
    return list(FeedRun.objects.exclude(pk__in=before).select_related("feed__channel"))


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker, tmp_path_factory):
    """The demo, loaded on the eve of its campaign and built once by the beat: once for the module, inside a
    transaction rolled back at its end (each test's own changes are rolled back after it)."""
    celery_app.loader.import_default_modules()  # the apps' tasks modules, as a worker loads them
    media = tmp_path_factory.mktemp("rebuild-media")
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=media), transaction.atomic():
        with time_machine.travel(EVE, tick=False), TestCase.captureOnCommitCallbacks(execute=True):
            call_command("seed_demo", products=12, stdout=StringIO())
        assert Campaign.objects.get(code="NOEL").starts_at > EVE + timedelta(days=1)
        first = _beat_minute(EVE + timedelta(minutes=1))
        assert sorted(str(run.feed) for run in first) == sorted(str(feed) for feed in Feed.objects.all())
        yield media
        transaction.set_rollback(True)


@pytest.fixture
def beat(demo, settings):
    settings.MEDIA_ROOT = demo
    return _beat_minute


def _minutes(start: datetime, count: int):
    return [start + timedelta(minutes=n) for n in range(count)]


def test_nothing_changed_no_feed_is_rebuilt_by_the_minute_job_or_the_feeds_schedules(beat):
    # 23:42 to 23:59: the stores' feed is due by its schedule at 23:45, the web's at 23:50
    rebuilt = [run for at in _minutes(EVE + timedelta(minutes=2), 18) for run in beat(at)]
    assert [str(run.feed) for run in rebuilt] == []


def _rebuilt_after_a_price_change(beat, channel_code: str) -> list[str]:
    """Raise one price of the channel at 23:42, then run the beat three minutes: the feeds rebuilt."""
    channel = Channel.objects.get(code=channel_code)
    price = Price.objects.filter(channel=channel).select_related("product").order_by("pk").first()
    with (
        time_machine.travel(EVE + timedelta(minutes=2), tick=False),
        TestCase.captureOnCommitCallbacks(execute=True),
    ):
        price_set(actor=None, product=price.product, channel=channel, amount=price.amount + 1)
    return sorted(str(run.feed) for at in _minutes(EVE + timedelta(minutes=3), 3) for run in beat(at))


def test_a_price_change_rebuilds_that_channels_feed_only(beat):
    assert _rebuilt_after_a_price_change(beat, "web") == ["web/catalog.jsonl"]


def test_a_google_price_change_also_rebuilds_the_local_inventory_feed_that_follows_google(beat):
    rebuilt = _rebuilt_after_a_price_change(beat, "google")
    assert rebuilt == ["google/products.xml", "stores/local-inventory.xml"]


def test_a_campaign_start_rebuilds_the_feeds_once_and_a_live_campaign_does_not_keep_rebuilding(beat):
    start = Campaign.objects.get(code="NOEL").starts_at  # days after the demo was loaded
    rebuilt = [run for at in _minutes(start, 2) for run in beat(at)]
    assert Campaign.objects.get(code="NOEL").status == Campaign.Status.LIVE
    feeds = [str(run.feed) for run in rebuilt]
    assert "web/catalog.jsonl" in feeds, "the campaign's prices reach the web shop's feed at its start"
    assert len(feeds) == len(set(feeds)), f"a feed built twice for one change: {feeds}"
    assert [str(run.feed) for at in _minutes(start + timedelta(minutes=2), 10) for run in beat(at)] == []
