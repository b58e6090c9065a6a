"""Celery tasks of the quality app: thin wrappers over services."""

from celery import shared_task

from apps.core import context
from apps.quality import services


@shared_task(name="quality.check_products")
def check_products(product_ids: list[int]) -> int:
    """Re-check products touched by a change (queued by the after-commit event handlers)."""
    with context.bound(origin="task"):
        return services.quality_check(product_ids=product_ids).products


@shared_task(name="quality.queue_checks")
def queue_checks(skus: list[str]) -> int:
    """Look up and queue, chunk by chunk, the re-checks of a large batch (an import's products)."""
    return services.quality_check_queue_skus(skus, in_worker=True)


@shared_task(name="quality.check_catalog")
def check_catalog() -> int:
    """The nightly run over the whole catalog, chunk by chunk (django-celery-beat)."""
    with context.bound(origin="task"):
        return services.quality_check_catalog().products
