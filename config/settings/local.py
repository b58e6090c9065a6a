"""Developer machine: `make run`. With no DATABASE_URL, the embedded PostgreSQL in var/pg."""

from config import embedded_pg

from .base import *  # noqa: F403
from .base import BASE_DIR, database_from_url, env

DEBUG = env.bool("DEBUG", default=True)

DATABASE_URL = embedded_pg.database_url()
DATABASES = {"default": database_from_url(DATABASE_URL)}
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=embedded_pg.sqla_broker_url(DATABASE_URL))
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
