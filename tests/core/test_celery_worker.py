"""Celery for real: a worker process on the broker in use (the `worker` fixture, tests/celery_worker.py)."""

import time

from apps.core.models import AuditLog
from apps.core.tasks import heartbeat


def test_a_worker_process_runs_a_task_sent_through_the_broker_and_writes_to_the_database(worker):
    label = f"smoke-{time.time_ns()}"
    result = heartbeat.apply_async(args=[label], queue=worker)
    audit_id = result.get(timeout=60)
    entry = AuditLog.objects.get(pk=int(audit_id))
    assert (entry.action, entry.object_code, entry.source) == ("system.heartbeat", label, "task")
