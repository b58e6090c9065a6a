"""A worker killed (SIGKILL) in the middle of a feed build, with two real worker processes: the channel keeps
the last good file, the build is failed with the reason within seconds (the test's thresholds), and the other
worker builds the feed again, sell-out included. A worker still working, however slowly, is never failed."""

import signal
import time

import psycopg
import pytest

from apps.channels import services, views
from apps.channels.models import Feed, FeedRun, FeedRunStep
from apps.inventory.services import StockLine, stock_apply_batch
from config.celery import app as celery_app
from tests.channels.test_build import google_items
from tests.workers import _test_database_url, celery_workers

URL = "/feeds/google/products.xml"
HEARTBEAT, LOST_AFTER = 0.3, 3.0


def wait_for(condition, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while not (found := condition()):
        if time.monotonic() > deadline:
            pytest.fail(f"not within {seconds} s: {what}")
        time.sleep(0.1)
    return found


def reaped_until(condition, seconds: float, what: str):
    """Play beat: run the reaper every 0.2 s until `condition` holds."""

    def reap_and_check():
        services.feed_runs_reap()
        return condition()

    return wait_for(reap_and_check, seconds, what)


@pytest.fixture
def quick_death(settings, monkeypatch):
    """Signs of life every 0.3 s, dead after 3 s of silence: in the workers (environment) and here."""
    monkeypatch.setenv("NOEL_FEED_HEARTBEAT", str(HEARTBEAT))
    monkeypatch.setenv("NOEL_FEED_WORKER_LOST_AFTER", str(LOST_AFTER))
    settings.NOEL_FEED_HEARTBEAT, settings.NOEL_FEED_WORKER_LOST_AFTER = HEARTBEAT, LOST_AFTER
    settings.NOEL_FEED_PULL_MEMORY = 0
    views._recent.clear()


def prices_locked():
    """Hold every price read back (ACCESS EXCLUSIVE on the prices, from a connection of its own): a chunk
    that reaches its prices waits there, mid-build, as a large chunk would. Returns what lets it go on."""
    connection = psycopg.connect(_test_database_url())
    connection.execute("LOCK TABLE pricing_price IN ACCESS EXCLUSIVE MODE")

    def release() -> None:
        connection.rollback()
        connection.close()

    return release


def forget_unacked() -> None:
    """The killed worker's chunk is still unacknowledged in Redis, which would hand it, an hour later, to a
    worker of another test whose runs reuse the ids: forget it (this test's broker database only)."""
    with celery_app.connection_for_write() as connection:
        channel = connection.default_channel
        if hasattr(channel, "unacked_key"):
            channel.client.delete(channel.unacked_key, channel.unacked_index_key)


@pytest.mark.django_db(transaction=True)
def test_a_build_whose_worker_is_killed_is_failed_with_the_reason_and_rebuilt_by_the_other_worker(
    feeds, settings, quick_death, client
):
    for n in range(4):
        feeds.sellable(f"TOY-{n}")
    settings.NOEL_FEED_CHUNK = 2
    services.feed_build_start(actor=None, feed=feeds.google)  # in this process: the last good file
    token = services.pull_token_create(actor=None, channel=feeds.shop.google)
    served = client.get(URL, {"token": token})
    good_file = b"".join(served.streaming_content)
    stock_apply_batch(actor=None, lines=[StockLine(sku="TOY-0", location="WH", quantity=0)])  # a sell-out
    Feed.objects.filter(pk=feeds.google.pk).update(dirty=True)

    celery_app.control.purge()
    try:
        with celery_workers(2, celery_app.conf.task_default_queue) as procs:
            release = prices_locked()
            try:
                run = services.feed_build_start(actor=None, feed=feeds.google)
                steps = wait_for(
                    lambda: (
                        list(FeedRunStep.objects.filter(run=run).order_by("index"))
                        if FeedRunStep.objects.filter(run=run).count() == 2
                        else None
                    ),
                    30,
                    "both workers taking a chunk",
                )
                assert {step.pid for step in steps} == {proc.pid for proc in procs}

                # Both are held at the prices for twice the silence that means death: they beat, so the
                # reaper leaves the build alone.
                deadline = time.monotonic() + 2 * LOST_AFTER
                while time.monotonic() < deadline:
                    assert services.feed_runs_reap() == []
                    time.sleep(0.2)
                run.refresh_from_db()
                assert run.status == FeedRun.Status.RUNNING

                victim = next(step for step in steps if step.pid == procs[0].pid)
                procs[0].send_signal(signal.SIGKILL)
                procs[0].wait(timeout=10)

                reaped_until(
                    lambda: FeedRun.objects.get(pk=run.pk).status == FeedRun.Status.FAILED,
                    LOST_AFTER + 10,
                    "the build of the killed worker failed",
                )
                # the channel pulls the last good file while the build is dead, and the survivor is stuck
                response = client.get(URL, {"token": token})
                assert (response.status_code, b"".join(response.streaming_content)) == (200, good_file)
            finally:
                release()

            run.refresh_from_db()
            assert run.error.startswith("the worker building this feed stopped (killed or crashed)")
            assert victim.worker in run.error
            assert f"chunk {victim.index + 1} of 2" in run.error

            rebuilt = wait_for(
                lambda: FeedRun.objects.filter(pk__gt=run.pk, status=FeedRun.Status.SUCCEEDED).first(),
                30,
                "the feed built again by the surviving worker",
            )
            assert google_items(rebuilt)["TOY-0"]["availability"] == "out_of_stock"
            assert set(rebuilt.steps.values_list("pid", flat=True)) == {procs[1].pid}
            # the survivor's chunk of the failed build finished late, and changed nothing
            wait_for(
                lambda: (
                    not FeedRunStep.objects.filter(run=run, finished_at__isnull=True)
                    .exclude(pk=victim.pk)
                    .exists()
                ),
                10,
                "the survivor's late chunk",
            )
            run.refresh_from_db()
            assert run.status == FeedRun.Status.FAILED
            feeds.google.refresh_from_db()
            assert feeds.google.current_run_id == rebuilt.pk
            assert FeedRun.objects.filter(feed=feeds.google, status=FeedRun.Status.RUNNING).count() == 0
            response = client.get(URL, {"token": token})
            assert b"".join(response.streaming_content) != good_file
    finally:
        forget_unacked()
