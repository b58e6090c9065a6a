"""Real Celery worker processes for tests: on the broker in use (Redis in CI, PostgreSQL when embedded),
writing to the test database and the test's media folder."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from celery.result import allow_join_result
from django.conf import settings
from django.db import connection

from apps.core.tasks import heartbeat
from config.celery import app as celery_app

ROOT = Path(__file__).resolve().parents[1]


def _test_database_url() -> str:
    """DATABASE_URL of the test database, which the workers must write to."""
    parts = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit(parts._replace(path="/" + connection.settings_dict["NAME"]))


@contextmanager
def celery_workers(count: int, queue: str) -> Iterator[list[subprocess.Popen]]:
    """`count` worker processes (one task at a time each) consuming `queue`, each answering a heartbeat on its
    own queue before this yields, so that every one of them is ready when the test sends work."""
    celery_app.conf.task_always_eager = False
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": _test_database_url(),
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
    }
    command = [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool", "solo", "-Q", queue]
    procs = [
        subprocess.Popen(
            [
                *command[:-1],
                f"{queue},{queue}-{n}",
                "--hostname",
                f"w{n}-{queue}@%h",
                "--loglevel",
                "WARNING",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for n in range(count)
    ]
    try:
        for n in range(count):
            # An eager task still running in the live server's thread (the quality re-check a browser edit
            # queued) raises Celery's process-wide "no join inside a task" flag; this thread is no task.
            with allow_join_result():
                heartbeat.apply_async(args=[f"ready-{queue}-{n}"], queue=f"{queue}-{n}").get(timeout=90)
        yield procs
    finally:
        celery_app.conf.task_always_eager = True
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                pytest.fail("a Celery worker did not stop within 20 s of SIGTERM")
