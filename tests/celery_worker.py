"""The `worker` fixture: one real Celery worker process (tests/workers.py) consuming a queue of its own;
tasks sent to the queue it yields run there, not in-process."""

import os

import pytest

from tests.workers import celery_workers


@pytest.fixture
def worker(transactional_db):
    queue = f"smoke-{os.getpid()}"
    with celery_workers(1, queue):
        yield queue
