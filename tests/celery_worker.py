"""The `worker` fixture: one real Celery worker process (tests/workers.py) consuming a queue of its own;
tasks sent to the queue it yields run there, not in-process."""

import os

import pytest
from celery.result import allow_join_result

from tests.workers import celery_workers


@pytest.fixture
def worker(transactional_db):
    """Waiting on the worker's result is allowed even if an earlier test left Celery's process-wide "inside a
    task" flag set (eager tasks run by two threads at once restore each other's value: tests/pricing's
    concurrency tests do)."""
    queue = f"smoke-{os.getpid()}"
    with celery_workers(1, queue), allow_join_result():
        yield queue
