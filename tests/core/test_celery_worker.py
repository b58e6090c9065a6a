"""Celery for real: a worker process on the broker in use (Redis in CI, PostgreSQL when embedded)."""

import os
import time

from apps.core.models import AuditLog
from apps.core.tasks import heartbeat
from tests.workers import celery_workers


def test_a_worker_process_runs_a_task_sent_through_the_broker_and_writes_to_the_database(transactional_db):
    queue = f"smoke-{os.getpid()}"
    label = f"smoke-{time.time_ns()}"
    with celery_workers(1, queue):
        result = heartbeat.apply_async(args=[label], queue=queue)
        audit_id = result.get(timeout=60)
    entry = AuditLog.objects.get(pk=int(audit_id))
    assert (entry.action, entry.object_code, entry.source) == ("system.heartbeat", label, "task")
