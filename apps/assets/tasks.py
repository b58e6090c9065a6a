"""DAM jobs. Thin: each calls a service."""

from celery import shared_task

from apps.assets import services
from apps.core import context


@shared_task(name="assets.renditions_generate")
def renditions_generate(asset_ids: list[int] | None = None, spec_ids: list[int] | None = None) -> int:
    """Make the missing renditions of these assets for these specs (queued after uploads, links, specs)."""
    with context.bound(origin="task"):
        return services.renditions_generate(asset_ids=asset_ids, spec_ids=spec_ids)


@shared_task(name="assets.flag_expired")
def assets_flag_expired() -> int:
    """Mark the assets whose rights ended (on the beat schedule)."""
    with context.bound(origin="task"):
        return len(services.assets_flag_expired())
