"""`make test`: the same PostgreSQL and broker choice as local, tuned for speed."""

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
