"""DAM jobs. Thin: each calls a service."""

from celery import shared_task

from apps.assets import services
from apps.core import context


@shared_task(name="assets.renditions_generate")
def renditions_generate(asset_ids: list[int] | None = None, spec_ids: list[int] | None = None) -> int:
    """Make the missing renditions of these assets for these specs (queued after uploads, links, specs)."""
    with context.bound(origin="task"):
        return services.renditions_generate(asset_ids=asset_ids, spec_ids=spec_ids)


@shared_task(name="assets.media_fetch")
def media_fetch(links: list[tuple[str, str, bool]], actor_id: int | None = None) -> int:
    """Fetch the pictures an import named by address and link them (queued by the import)."""
    from apps.core.models import User

    actor = User.objects.filter(pk=actor_id).first() if actor_id else None
    with context.bound(origin="task"):
        return services.media_fetch(actor=actor, links=[tuple(link) for link in links]).links


@shared_task(name="assets.flag_expired")
def assets_flag_expired() -> int:
    """Mark the assets whose rights ended (on the beat schedule)."""
    with context.bound(origin="task"):
        return len(services.assets_flag_expired())
