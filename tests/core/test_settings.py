"""Settings: production stops start-up with a message naming what is missing or malformed; `make run`
shares its cache between processes."""

import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
GOOD = {
    "SECRET_KEY": "x" * 50,
    "ALLOWED_HOSTS": "noel.example",
    "DATABASE_URL": "postgres://noel@db.example:5432/noel",
    "CELERY_BROKER_URL": "redis://redis.example:6379/0",
    "NOEL_PUBLIC_URL": "https://noel.example",
    "CACHE_URL": "redis://redis.example:6379/1",
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
        ("NOEL_PUBLIC_URL", "http://localhost:8000", "NOEL_PUBLIC_URL must be the address"),
        ("NOEL_PUBLIC_URL", "noel.example", "NOEL_PUBLIC_URL must be the address"),
        ("CACHE_URL", "locmemcache://", "CACHE_URL must be a redis:// or rediss:// URL shared"),
        ("CACHE_URL", "filecache:///tmp/noel", "CACHE_URL must be a redis:// or rediss:// URL shared"),
    ],
)
def test_a_malformed_variable_stops_start_up_and_is_named(name, value, message):
    result = _load_production({**GOOD, name: value})
    assert result.returncode != 0
    assert message in result.stderr


_OURS = ("DEBUG", "NOEL_", "SECURE", "DJANGO_SETTINGS_MODULE")


def _production_answers(env: dict[str, str], *requests: tuple[str, dict[str, str]]) -> list[dict]:
    """Each request's status and security headers, answered by a process on production settings (on this
    machine's database and broker, so that /healthz can answer)."""
    from django.conf import settings

    database = urlunsplit(urlsplit(settings.DATABASE_URL)._replace(path="/postgres"))
    # The cache is not asked by these requests: production only wants it to be a Redis URL.
    server = {"DATABASE_URL": database, "CELERY_BROKER_URL": settings.CELERY_BROKER_URL}
    clean = {k: v for k, v in os.environ.items() if k not in GOOD and not k.startswith(_OURS)}
    clean.update(GOOD, **server, **env, DJANGO_SETTINGS_MODULE="config.settings.production")
    code = (
        "import django, json, sys; django.setup(); from django.test import Client; answers = []\n"
        "for path, headers in json.loads(sys.argv[1]):\n"
        "    r = Client(HTTP_HOST='noel.example').get(path, headers=headers)\n"
        "    answers.append({'status': r.status_code, 'location': r.get('Location'), "
        "'body': r.content.decode(), 'hsts': r.get('Strict-Transport-Security'), "
        "'csp': r.get('Content-Security-Policy')})\n"
        "print(json.dumps(answers))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, json.dumps(requests)],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.splitlines()[-1])


HTTPS = {"X-Forwarded-Proto": "https"}


def test_production_redirects_plain_http_to_https_except_the_health_check():
    plain, health = _production_answers({}, ("/admin/login/", {}), ("/healthz", {}))
    assert plain["status"] == 301
    assert plain["location"] == "https://noel.example/admin/login/"
    assert health["status"] == 200, health  # load balancers probe over plain HTTP


def test_behind_a_configured_proxy_https_requests_get_hsts_and_a_content_security_policy():
    (answer,) = _production_answers({"NOEL_BEHIND_PROXY": "true"}, ("/", HTTPS))
    assert answer["status"] == 302
    assert answer["hsts"] == "max-age=31536000"
    assert "default-src 'self'" in answer["csp"]
    assert "object-src 'none'" in answer["csp"]
    assert "frame-ancestors 'none'" in answer["csp"]


def test_without_a_configured_proxy_a_forwarded_proto_header_is_not_believed():
    """Anyone can send X-Forwarded-Proto: only a proxy Noel was told about may say the request was HTTPS."""
    (answer,) = _production_answers({}, ("/", HTTPS))
    assert answer["status"] == 301


def test_production_cookies_are_secure_and_http_only():
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.LANGUAGE_COOKIE_SECURE, "
        "s.SESSION_COOKIE_HTTPONLY, s.SECURE_SSL_REDIRECT, "
        "s.SECURE_PROXY_SSL_HEADER, s.NOEL_PUBLIC_URL)"
    )
    clean = {k: v for k, v in os.environ.items() if k not in GOOD and not k.startswith(_OURS)}
    clean.update(GOOD, DJANGO_SETTINGS_MODULE="config.settings.production")
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "True", "True", "True", "True", "None", "https://noel.example"]


def _without_settings_module(env: dict[str, str]) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if k not in GOOD and not k.startswith(_OURS)}
    clean.update(env)
    return clean


_CELERY = "from config.celery import app\napp.loader.import_default_modules()\n"
_SHOW = "from django.conf import settings; print(settings.SETTINGS_MODULE, settings.DEBUG)"


@pytest.mark.parametrize(
    "command",
    [
        [sys.executable, "-c", f"import config.wsgi; {_SHOW}"],
        [sys.executable, "-c", f"import config.asgi; {_SHOW}"],
        [sys.executable, "-c", _CELERY + _SHOW],
        [sys.executable, "manage.py", "shell", "-v", "0", "-c", _SHOW],
    ],
    ids=["wsgi", "asgi", "celery", "manage.py"],
)
def test_every_entry_point_but_make_run_and_make_test_runs_production_settings(command):
    """A server started with no DJANGO_SETTINGS_MODULE gets production: DEBUG off, and no start-up without
    a real SECRET_KEY (local settings would have served with DEBUG on and a public key)."""
    result = subprocess.run(
        command, cwd=ROOT, env=_without_settings_module(GOOD), capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["config.settings.production", "False"]
    without_key = {k: v for k, v in GOOD.items() if k != "SECRET_KEY"}
    env = _without_settings_module(without_key)
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "Set the SECRET_KEY environment variable" in result.stderr


def _procfile(path: Path) -> dict[str, str]:
    lines = (line.split(":", 1) for line in path.read_text().splitlines() if line.strip() and line[0] != "#")
    return {name.strip(): command.strip() for name, command in lines}


def test_the_procfile_serves_the_web_with_gunicorn_in_production_settings():
    processes = _procfile(ROOT / "Procfile")
    assert processes["web"].startswith("gunicorn ")
    assert "runserver" not in processes["web"]
    assert all("settings.local" not in command for command in processes.values())


def test_make_run_starts_its_web_worker_and_beat_with_local_settings_explicitly():
    from config import launcher

    processes = _procfile(launcher.PROCFILE)
    assert sorted(processes) == ["beat", "web", "worker"]
    for command in processes.values():
        assert command.startswith("DJANGO_SETTINGS_MODULE=config.settings.local ")


def test_under_make_run_the_worker_and_the_web_process_share_the_import_progress():
    """`make run` settings with no CACHE_URL: a second process reads the progress the first recorded."""
    env = {k: v for k, v in os.environ.items() if k != "CACHE_URL"}
    env.update(DJANGO_SETTINGS_MODULE="config.settings.local")
    job = 900_000 + os.getpid()
    write = (
        "import django; django.setup(); from django.core.cache import cache; "
        f"from apps.exchange.jobs import progress_key; cache.set(progress_key({job}), (400, 1.0), 60)"
    )
    read = (
        "import django; django.setup(); from django.core.cache import cache; "
        f"from apps.exchange.jobs import progress_key; print(cache.get(progress_key({job}))); "
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
