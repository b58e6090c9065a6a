"""What the reaper decides about builds, in this process: a step gone silent fails its build with the reason
and the feed is built again; a build waiting for a worker, a preview, a step delivered twice. The real
thing, with a worker process killed, is tests/channels/test_worker_killed.py."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from apps.channels import selectors, services, tasks
from apps.channels.models import Feed, FeedIssue, FeedRun, FeedRunStep
from apps.core.models import AuditLog


def running(feed, *, preview=False, started=None) -> FeedRun:
    """A build in progress, as feed_build_start leaves it when its chunks are in the broker."""
    run = FeedRun.objects.create(feed=feed, at=timezone.now(), preview=preview, chunks=2)
    if started:
        FeedRun.objects.filter(pk=run.pk).update(started_at=started)
    return run


def taken(run, index, *, silent: timedelta) -> FeedRunStep:
    at = timezone.now() - silent
    return FeedRunStep.objects.create(
        run=run, index=index, worker="w0@builder", pid=4242, started_at=at, beat_at=at
    )


@pytest.fixture
def published(feeds):
    feeds.sellable("TOY-1")
    return services.feed_build_start(actor=None, feed=feeds.google)


def test_a_step_silent_past_the_threshold_fails_its_build_with_the_reason_and_the_feed_is_built_again(
    feeds, published, settings
):
    settings.NOEL_FEED_WORKER_LOST_AFTER = 120
    dead = running(feeds.google)
    taken(dead, 0, silent=timedelta(seconds=10))  # another worker's chunk, still alive
    taken(dead, 1, silent=timedelta(seconds=121))

    [rebuilt] = services.feed_runs_reap()

    dead.refresh_from_db()
    assert dead.status == FeedRun.Status.FAILED
    assert dead.error == (
        "the worker building this feed stopped (killed or crashed): w0@builder, process 4242, gave no sign "
        "of life for 121 s while building chunk 2 of 2; the previous file is still served and the feed is "
        "built again"
    )
    assert FeedRun.objects.get(pk=rebuilt).status == FeedRun.Status.SUCCEEDED
    feeds.google.refresh_from_db()
    assert feeds.google.current_run_id == rebuilt
    assert [entry.diff["run"] for entry in AuditLog.objects.filter(action="feed.failed")] == [dead.pk]
    assert services.feed_runs_reap() == []
    assert services.feeds_build_dirty() == []  # built once, not again by the other beat task


def test_a_merge_whose_worker_died_is_named_as_such(feeds, published, settings):
    settings.NOEL_FEED_WORKER_LOST_AFTER = 120
    dead = running(feeds.google)
    taken(dead, 2, silent=timedelta(minutes=5))
    services.feed_runs_reap()
    dead.refresh_from_db()
    assert "while building the merge of its parts;" in dead.error


def test_steps_that_beat_and_builds_waiting_for_a_worker_are_left_alone(feeds, published, settings):
    settings.NOEL_FEED_WORKER_LOST_AFTER = 120
    alive = running(feeds.google)
    taken(alive, 0, silent=timedelta(seconds=100))
    finished = taken(alive, 1, silent=timedelta(hours=1))
    FeedRunStep.objects.filter(pk=finished.pk).update(finished_at=timezone.now())
    queued = running(feeds.google, started=timezone.now() - timedelta(minutes=30))  # no step taken yet

    assert services.feed_runs_reap() == []

    assert set(FeedRun.objects.filter(pk__in=[alive.pk, queued.pk]).values_list("status", flat=True)) == {
        FeedRun.Status.RUNNING
    }


def test_a_preview_whose_worker_died_is_failed_and_not_built_again(feeds, published, settings):
    settings.NOEL_FEED_WORKER_LOST_AFTER = 120
    Feed.objects.filter(pk=feeds.google.pk).update(dirty=False)
    preview = running(feeds.google, preview=True)
    taken(preview, 0, silent=timedelta(minutes=3))

    assert services.feed_runs_reap() == []

    preview.refresh_from_db()
    assert preview.status == FeedRun.Status.FAILED
    assert preview.error.endswith("while building chunk 1 of 2; the previous file is still served")
    assert FeedRun.objects.filter(feed=feeds.google).count() == 2


def test_a_chunk_delivered_again_finds_it_taken_and_does_nothing(feeds, published):
    feeds.sellable("NOBRAND", brand={})  # held back: one issue per build of its chunk
    run = running(feeds.google)
    [(low, high)] = selectors.chunk_bounds(feeds.google)
    first = tasks.feed_build_chunk.apply(args=[run.pk, 0, low, high])
    again = tasks.feed_build_chunk.apply(args=[run.pk, 0, low, high])

    assert (first.state, again.state) == ("SUCCESS", "IGNORED")
    assert first.result["held_back"] == 1
    assert FeedIssue.objects.filter(run=run).count() == 1
    [step] = FeedRunStep.objects.filter(run=run)
    assert step.finished_at is not None


def test_beat_looks_for_builds_of_dead_workers_every_minute(db):
    job = PeriodicTask.objects.get(name="Fail and rebuild feed builds whose worker stopped")
    assert (job.task, job.interval.every, job.interval.period, job.enabled) == (
        "channels.feed_runs_reap",
        1,
        IntervalSchedule.MINUTES,
        True,
    )


def test_the_steps_of_old_runs_go_with_their_files(feeds, published):
    for _ in range(services.KEEP_RUNS):
        services.feed_build_start(actor=None, feed=feeds.google)
    kept = set(FeedRun.objects.order_by("-pk").values_list("pk", flat=True)[: services.KEEP_RUNS])
    assert set(FeedRunStep.objects.values_list("run_id", flat=True)) == kept
