from datetime import UTC, datetime, timedelta

from apps.channels.models import FeedRun

STARTED = datetime(2026, 12, 1, 0, 0, 30, tzinfo=UTC)


def test_a_run_took_the_time_between_its_start_and_its_end():
    assert FeedRun(started_at=STARTED, finished_at=STARTED + timedelta(seconds=3)).duration == timedelta(
        seconds=3
    )


def test_a_run_finished_by_a_worker_whose_clock_is_behind_took_an_unknown_time_not_a_negative_one():
    assert FeedRun(started_at=STARTED, finished_at=STARTED - timedelta(hours=21)).duration is None
    assert FeedRun(started_at=STARTED, finished_at=None).duration is None
