"""Catalog jobs. Thin: each calls a service."""

from celery import shared_task

from apps.core import context
from apps.products import services


@shared_task(name="products.completeness_recompute")
def completeness_recompute(family_codes: list[str] | None = None) -> int:
    """Recompute stored completeness after a family's or a channel's requirements changed."""
    with context.bound(origin="task"):
        return services.completeness_recompute(family_codes=family_codes)


@shared_task(name="products.completeness_snapshot")
def completeness_snapshot() -> int:
    """Nightly: keep the day's completeness per channel for the dashboard's chart."""
    with context.bound(origin="task"):
        return services.completeness_snapshot_take()
