"""Production: every value that matters comes from the environment, and a missing one stops start-up.

django-environ raises ImproperlyConfigured("Set the X environment variable") for a missing variable.
"""

from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import database_from_url, env

_LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1", "0.0.0.0"}

SECRET_KEY = env("SECRET_KEY")
if len(SECRET_KEY) < 32:
    raise ImproperlyConfigured("SECRET_KEY must be at least 32 characters long")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured("Set ALLOWED_HOSTS to the comma-separated host names Noel answers on")

DATABASE_URL = env("DATABASE_URL")
DATABASES = {"default": database_from_url(DATABASE_URL)}
CELERY_BROKER_URL = env("CELERY_BROKER_URL")
if not CELERY_BROKER_URL.startswith(("redis://", "rediss://", "amqp://", "amqps://", "sqla+postgresql")):
    raise ImproperlyConfigured("CELERY_BROKER_URL must be a redis://, rediss://, amqp:// or amqps:// URL")
if CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    # How long Redis keeps a message taken by a worker that died whole before handing it to another: kombu's
    # hour, said here on purpose. Shorter, a long task (an import of a large file, the nightly quality
    # check) still running would be handed to a second worker and run twice. Feed builds do not wait for
    # it (base.py, NOEL_FEED_WORKER_LOST_AFTER); another task of a worker killed whole runs again after it.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": env.int("NOEL_BROKER_VISIBILITY_TIMEOUT", default=3600)
    }

# The cache holds what every web process and worker must agree on: the API's rate counters (a cache per
# process let 623 requests through a 600/min limit) and the import progress. Redis: its INCR is atomic.
CACHE_URL = env("CACHE_URL")
if not CACHE_URL.startswith(("redis://", "rediss://")):
    raise ImproperlyConfigured(
        "CACHE_URL must be a redis:// or rediss:// URL shared by every web process and worker "
        "(it counts the API rate limit)"
    )
CACHES = {"default": env.cache_url("CACHE_URL")}

# Media on S3-compatible storage when a bucket is named; otherwise MEDIA_ROOT (a shared volume).
AWS_STORAGE_BUCKET_NAME = env("AWS_STORAGE_BUCKET_NAME", default=None)
if AWS_STORAGE_BUCKET_NAME:
    AWS_S3_ENDPOINT_URL = env("AWS_S3_ENDPOINT_URL", default=None)
    AWS_S3_REGION_NAME = env("AWS_S3_REGION_NAME", default=None)
    AWS_ACCESS_KEY_ID = env("AWS_ACCESS_KEY_ID", default=None)
    AWS_SECRET_ACCESS_KEY = env("AWS_SECRET_ACCESS_KEY", default=None)
    AWS_S3_CUSTOM_DOMAIN = env("AWS_S3_CUSTOM_DOMAIN", default=None)
    AWS_QUERYSTRING_AUTH = env.bool("AWS_QUERYSTRING_AUTH", default=True)
    AWS_S3_FILE_OVERWRITE = False
    STORAGES["default"] = {"BACKEND": "storages.backends.s3.S3Storage"}  # noqa: F405

# Feeds make picture addresses absolute with it: without it they would point at localhost.
NOEL_PUBLIC_URL = env("NOEL_PUBLIC_URL").rstrip("/")
_public = urlsplit(NOEL_PUBLIC_URL)
if _public.scheme not in ("http", "https") or not _public.hostname or _public.hostname in _LOCAL_HOSTS:
    raise ImproperlyConfigured(
        "NOEL_PUBLIC_URL must be the address channels reach Noel at, e.g. https://noel.example.com "
        f"(got {NOEL_PUBLIC_URL!r})"
    )

# HTTPS only: plain HTTP is redirected (but the load balancer's health check), browsers are told to come
# back over HTTPS only (HSTS) and cookies never travel in clear.
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
# Behind a TLS-terminating proxy (load balancer, ingress) the request reaches Noel in plain HTTP, and only
# that proxy's X-Forwarded-Proto says it was HTTPS. Believed only when NOEL_BEHIND_PROXY is set: otherwise
# any client could send the header. The proxy must overwrite the header (never pass the client's through).
NOEL_BEHIND_PROXY = env.bool("NOEL_BEHIND_PROXY", default=False)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if NOEL_BEHIND_PROXY else None
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=True)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=True)
LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
# Pictures on S3 (or its CDN) are shown in the admin: their origin may serve images to its pages.
if AWS_STORAGE_BUCKET_NAME:
    if AWS_S3_CUSTOM_DOMAIN:
        _media_origin = f"https://{AWS_S3_CUSTOM_DOMAIN}"
    elif AWS_S3_ENDPOINT_URL:
        _endpoint = urlsplit(AWS_S3_ENDPOINT_URL)
        _media_origin = f"{_endpoint.scheme}://{_endpoint.netloc}"
    else:
        _media_origin = f"https://{AWS_STORAGE_BUCKET_NAME}.s3.amazonaws.com https://*.amazonaws.com"
    NOEL_CSP = {**NOEL_CSP, "img-src": [*NOEL_CSP["img-src"], *_media_origin.split()]}  # noqa: F405
