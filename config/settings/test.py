"""`make test`: the same PostgreSQL and broker choice as local, tuned for speed."""

import os

from .local import *  # noqa: F403
from .local import env

# Each test process keeps its own cache unless CACHE_URL is given (browser journeys share one with their
# workers that way, as `make run` does through its folder).
CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://")}

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Tasks queued by services run in-process here; tests/core/test_celery_worker.py proves the real broker
# and a real worker process.
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
# Each test builds its own catalog: no near-duplicate index survives from one check to the next.
NOEL_QUALITY_INDEX_TTL = 0
# `make test` runs the suite in several processes (pytest-xdist), each on its own test database
# (pytest-django names it after the process: test_noel_gw0, …) but on one broker. The Celery workers a
# test starts write to that process's database, so they must take only that process's tasks: each test
# process sends its tasks to a default queue of its own.
CELERY_TASK_DEFAULT_QUEUE = (
    f"celery-{os.environ['PYTEST_XDIST_WORKER']}" if "PYTEST_XDIST_WORKER" in os.environ else "celery"
)
# Events are dispatched to the change feed and webhooks when a test asks (tests/events): the suite's other
# tests check Noel's own reactions, which run after commit in-process whatever this says.
NOEL_EVENTS_DISPATCH_ON_COMMIT = False
