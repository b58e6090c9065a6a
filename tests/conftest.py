"""Suite-wide fixtures. The database is real PostgreSQL: DATABASE_URL, or the embedded server that
config.settings.test starts when it is not set."""

import os

import pytest

pytest_plugins = [
    "tests.migration_data",
    "tests.products.fixtures",
    "tests.pricing.fixtures",
    "tests.celery_worker",
    "tests.s3",
]


def pytest_report_header(config):
    from django.conf import settings

    db = settings.DATABASES["default"]
    where = db.get("HOST") or db.get("OPTIONS", {}).get("host", "?")
    embedded = "embedded " if os.environ.get("NOEL_EMBEDDED_PG") else ""
    broker = settings.CELERY_BROKER_URL.split("://", 1)[0]
    return f"noel: {embedded}PostgreSQL at {where}, Celery broker {broker}"


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _default_language():
    """A request from a French user leaves French active in the thread; the next test must not inherit it."""
    yield
    from django.utils import translation

    translation.deactivate()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """pytest-django's test database, and what `migrate` left in it (rows per table), read before any test
    runs (tests/migration_data.py)."""
    from tests.migration_data import MIGRATED, row_counts

    with django_db_blocker.unblock():
        MIGRATED.update(row_counts())
