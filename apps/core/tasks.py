"""Core jobs. Thin: each calls a service."""

from celery import shared_task

from apps.core import context, services


@shared_task(name="core.heartbeat")
def heartbeat(label: str) -> str:
    """Proves a worker can reach the database: records one audit row and returns its id."""
    with context.bound(origin="task"):
        entry = services.heartbeat_record(label=label)
    return str(entry.pk)
