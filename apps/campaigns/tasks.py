"""Campaign jobs. Thin: each calls a service."""

from celery import shared_task

from apps.campaigns import services
from apps.core import context


@shared_task(name="campaigns.tick")
def campaigns_tick() -> dict[str, int]:
    """Every minute (beat): start due campaigns, catch up missed starts, end finished ones."""
    with context.bound(origin="task"):
        return services.campaigns_tick()
