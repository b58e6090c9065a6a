"""A large build is split into chunks that several worker processes build at once, merged in order."""

import time

import pytest
from django_celery_results.models import TaskResult

from apps.channels import services
from apps.channels.models import FeedRun
from config.celery import app as celery_app
from tests.channels.helpers import read
from tests.workers import celery_workers


@pytest.mark.django_db(transaction=True)
def test_two_worker_processes_build_the_chunks_and_the_merge_keeps_their_order(feeds, settings):
    skus = [f"TOY-{n:02d}" for n in range(12)]
    for sku in skus:
        feeds.sellable(sku)
    settings.NOEL_FEED_CHUNK = 2
    # The build sends its chunks to the default queue, as in production: the workers consume it.
    celery_app.control.purge()
    with celery_workers(2, celery_app.conf.task_default_queue):
        run = services.feed_build_start(actor=None, feed=feeds.google)
        deadline = time.monotonic() + 120
        while run.status == FeedRun.Status.RUNNING and time.monotonic() < deadline:
            time.sleep(0.3)
            run.refresh_from_db()
    assert (run.status, run.chunks, run.published) == (FeedRun.Status.SUCCEEDED, 6, 12), run.error
    text = read(run)
    assert [text.index(f"<g:id>{sku}</g:id>") for sku in skus] == sorted(
        text.index(f"<g:id>{s}</g:id>") for s in skus
    )
    workers = set(
        TaskResult.objects.filter(task_name="channels.feed_build_chunk").values_list("worker", flat=True)
    )
    # Redis and RabbitMQ hand each idle worker the next chunk at once. The embedded PostgreSQL broker
    # (SQLAlchemy transport) polls once a second, so one worker may finish every small chunk first.
    assert len(workers) == 2 or settings.CELERY_BROKER_URL.startswith("sqla+"), workers
    serial = services.feed_build_start(actor=None, feed=feeds.google)
    assert serial.checksum == run.checksum
