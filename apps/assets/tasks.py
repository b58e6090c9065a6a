"""DAM jobs. Thin: each calls a service."""

from celery import shared_task
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from apps.assets import services
from apps.core import context

FETCH_PERMISSIONS = ("assets.add_asset", "assets.add_productasset")


@shared_task(name="assets.renditions_generate")
def renditions_generate(asset_ids: list[int] | None = None, spec_ids: list[int] | None = None) -> int:
    """Make the missing renditions of these assets for these specs (queued after uploads, links, specs)."""
    with context.bound(origin="task"):
        return services.renditions_generate(asset_ids=asset_ids, spec_ids=spec_ids)


@shared_task(name="assets.media_fetch")
def media_fetch(links: list[tuple[str, str, bool]], actor_id: int | None = None) -> int:
    """Fetch the pictures an import named by address and link them (queued by the import)."""
    from apps.core.models import User
    from apps.products.models import Product
    from apps.products.policies import visible_products

    actor = User.objects.filter(pk=actor_id).first() if actor_id else None
    if actor_id and (actor is None or not actor.is_active or not actor.has_perms(FETCH_PERMISSIONS)):
        raise PermissionDenied(_("This person may not add pictures to products."))
    links = [(str(sku), str(url), bool(main)) for sku, url, main in links]
    if actor is not None:  # only the products this person may change, checked now
        allowed = (
            set(
                visible_products(
                    actor, Product.objects.filter(sku__in={sku for sku, _u, _m in links})
                ).values_list("sku", flat=True)
            )
            if actor.has_perm("products.change_product")
            else set()
        )
        links = [link for link in links if link[0] in allowed]
    with context.bound(origin="task"):
        return services.media_fetch(actor=actor, links=links).links


@shared_task(name="assets.flag_expired")
def assets_flag_expired() -> int:
    """Mark the assets whose rights ended (on the beat schedule)."""
    with context.bound(origin="task"):
        return len(services.assets_flag_expired())
