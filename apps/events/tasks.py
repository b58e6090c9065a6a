"""Events jobs. Thin: each calls a service."""

from __future__ import annotations

import logging

from celery import shared_task
from django.conf import settings
from django.core.cache import cache

from apps.core import context
from apps.events import services

logger = logging.getLogger(__name__)
_KICKED = "noel:events:dispatch-queued"


def kick() -> None:
    """After a commit that published events: queue one dispatcher (not one per commit while one waits).
    A broker that cannot be reached changes nothing for the writer: the periodic dispatcher catches up."""
    if not settings.NOEL_EVENTS_DISPATCH_ON_COMMIT:
        return
    try:
        if cache.add(_KICKED, 1, timeout=30):
            dispatch.delay()
    except Exception:
        logger.exception("could not queue the events dispatcher")


@shared_task(name="events.dispatch")
def dispatch() -> int:
    """Turn committed events into change-feed entries and deliveries, then send what came due."""
    cache.delete(_KICKED)  # a commit from now on queues another run: nothing waits for the next minute
    taken = 0
    with context.bound(origin="task"):
        for _round in range(100):
            done = services.outbox_dispatch()
            taken += done
            if not done:
                break
        services.deliveries_send()
    return taken


@shared_task(name="events.deliver")
def deliver() -> int:
    with context.bound(origin="task"):
        return services.deliveries_send()


@shared_task(name="events.prune")
def prune() -> dict[str, int]:
    with context.bound(origin="task"):
        return services.events_prune()
