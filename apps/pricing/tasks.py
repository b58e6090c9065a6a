"""Pricing jobs. Thin: each calls a service."""

from celery import shared_task

from apps.core import context
from apps.pricing import services


@shared_task(name="pricing.effective_prices_recompute")
def effective_prices_recompute() -> int:
    """Recompute every dirty effective price (queued after each price change, and on a schedule)."""
    with context.bound(origin="task"):
        return services.effective_prices_recompute()
