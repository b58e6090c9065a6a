"""Core jobs. Thin: each calls a service."""

from celery import shared_task

from apps.core import context, services


@shared_task(name="core.heartbeat")
def heartbeat(label: str) -> str:
    """Proves a worker can reach the database: records one audit row and returns its id."""
    with context.bound(origin="task"):
        entry = services.heartbeat_record(label=label)
    return str(entry.pk)


@shared_task(name="core.events_react_pending")
def events_react_pending() -> int:
    """Replay the reactions to committed events that no process marked as done (it crashed after commit)."""
    from apps.core import events

    with context.bound(origin="task"):
        return events.reactions_replay()
