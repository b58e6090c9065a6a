"""Developer machine: `make run`. With no DATABASE_URL, the embedded PostgreSQL in var/pg."""

from config import embedded_pg

from .base import *  # noqa: F403
from .base import BASE_DIR, database_from_url, env

DEBUG = env.bool("DEBUG", default=True)

DATABASE_URL = embedded_pg.database_url()
DATABASES = {"default": database_from_url(DATABASE_URL)}
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=embedded_pg.sqla_broker_url(DATABASE_URL))
if CELERY_BROKER_URL.startswith("sqla+"):
    # kombu's SQLAlchemy transport polls, and pauses its default second whenever the worker's slots are
    # full: two tasks a second, so the demo's 600 quality checks took five minutes and the feed builds
    # waited behind them. A tenth of a second costs an idle worker ten small queries a second.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"polling_interval": 0.1}
# `make run` starts the web server and the Celery worker as separate processes: what one writes in the cache
# (an import's progress, the API rate counters) the other must read, so the cache is a folder unless
# CACHE_URL names a server. A per-process memory cache left the import progress bar at 0 for good.
CACHES = {"default": env.cache_url("CACHE_URL", default=f"filecache://{BASE_DIR / 'var' / 'cache'}")}

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
STATIC_ROOT = None  # served from the apps and static/ directly; `collectstatic` is for production
