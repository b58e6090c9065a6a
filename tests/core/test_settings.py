"""Settings: production stops start-up with a message naming what is missing or malformed; `make run`
shares its cache between processes."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
GOOD = {
    "SECRET_KEY": "x" * 50,
    "ALLOWED_HOSTS": "noel.example",
    "DATABASE_URL": "postgres://noel@db.example:5432/noel",
    "CELERY_BROKER_URL": "redis://redis.example:6379/0",
}


def _load_production(env: dict[str, str]) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in GOOD and k != "DEBUG"}
    clean.update(env, DJANGO_SETTINGS_MODULE="config.settings.production")
    code = (
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.DEBUG, settings.DATABASES['default']['HOST'])"
    )
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=60
    )


def test_production_settings_load_from_the_environment_with_debug_off():
    result = _load_production(GOOD)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "db.example"]


@pytest.mark.parametrize("missing", sorted(GOOD))
def test_a_missing_variable_stops_start_up_and_is_named(missing):
    result = _load_production({k: v for k, v in GOOD.items() if k != missing})
    assert result.returncode != 0
    assert f"Set the {missing} environment variable" in result.stderr


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("DATABASE_URL", "mysql://root@db/noel", "DATABASE_URL must be a postgres:// URL"),
        ("CELERY_BROKER_URL", "memory://", "CELERY_BROKER_URL must be"),
        ("SECRET_KEY", "short", "SECRET_KEY must be at least 32 characters"),
    ],
)
def test_a_malformed_variable_stops_start_up_and_is_named(name, value, message):
    result = _load_production({**GOOD, name: value})
    assert result.returncode != 0
    assert message in result.stderr


def test_under_make_run_the_worker_and_the_web_process_share_the_import_progress():
    """`make run` settings with no CACHE_URL: a second process reads the progress the first recorded."""
    env = {k: v for k, v in os.environ.items() if k != "CACHE_URL"}
    env.update(DJANGO_SETTINGS_MODULE="config.settings.local")
    job = 900_000 + os.getpid()
    write = (
        "import django; django.setup(); from django.core.cache import cache; "
        f"from apps.core.imports import progress_key; cache.set(progress_key({job}), (400, 1.0), 60)"
    )
    read = (
        "import django; django.setup(); from django.core.cache import cache; "
        f"from apps.core.imports import progress_key; print(cache.get(progress_key({job}))); "
        f"cache.delete(progress_key({job}))"
    )
    for code in (write, read):
        result = subprocess.run(
            [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
        )
        assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["(400,", "1.0)"]


def test_the_embedded_broker_polls_ten_times_a_second_not_once():
    """`make run` with no broker set: kombu's SQLAlchemy transport on the embedded PostgreSQL, which would
    otherwise wait a second each time the worker's slots are full (two tasks a second)."""
    env = {k: v for k, v in os.environ.items() if k != "CELERY_BROKER_URL"}
    env.update(DJANGO_SETTINGS_MODULE="config.settings.local")
    code = (
        "import django; django.setup(); from config.celery import app; app.WorkController(pool='solo'); "
        "connection = app.connection(); connection.default_channel; "  # the broker tables, by its engine
        "print(app.conf.broker_url.split(':')[0], connection.transport.polling_interval)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["sqla+postgresql+psycopg", "0.1"]


def test_importing_the_project_reads_no_settings():
    """A script (a benchmark, a one-off) may import `config` and only then set DATABASE_URL: settings read
    at import would keep the first database (the benchmarks seeded the server's maintenance database)."""
    env = {k: v for k, v in os.environ.items() if k != "CELERY_BROKER_URL"}  # the broker from the settings
    code = "import config; from django.conf import settings; print(settings.configured)"
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False"]


def test_database_connections_run_without_postgresql_jit(db):
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone() == ("off",)
