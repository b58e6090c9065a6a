"""Catalog jobs. Thin: each calls a service."""

from celery import shared_task

from apps.core import context
from apps.products import services


@shared_task(name="products.completeness_recompute")
def completeness_recompute(family_codes: list[str] | None = None) -> int:
    """Recompute stored completeness after a family's or a channel's requirements changed."""
    with context.bound(origin="task"):
        return services.completeness_recompute(family_codes=family_codes)
