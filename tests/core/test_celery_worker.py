"""Celery for real: a worker process on the broker in use (Redis in CI, PostgreSQL when embedded)."""

import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.conf import settings
from django.db import connection

from apps.core.models import AuditLog
from apps.core.tasks import heartbeat
from config.celery import app as celery_app

ROOT = Path(__file__).resolve().parents[2]


def _test_database_url() -> str:
    """DATABASE_URL of the test database, which the worker must write to."""
    parts = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit(parts._replace(path="/" + connection.settings_dict["NAME"]))


@pytest.fixture
def worker(transactional_db):
    celery_app.conf.task_always_eager = False
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": _test_database_url(),
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
    }
    queue = f"smoke-{os.getpid()}"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool",
            "solo",
            "-Q",
            queue,
            "--loglevel",
            "WARNING",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    yield queue
    celery_app.conf.task_always_eager = True
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        pytest.fail("the Celery worker did not stop within 20 s of SIGTERM")


def test_a_worker_process_runs_a_task_sent_through_the_broker_and_writes_to_the_database(worker):
    label = f"smoke-{time.time_ns()}"
    result = heartbeat.apply_async(args=[label], queue=worker)
    audit_id = result.get(timeout=60)
    entry = AuditLog.objects.get(pk=int(audit_id))
    assert (entry.action, entry.object_code, entry.source) == ("system.heartbeat", label, "task")
