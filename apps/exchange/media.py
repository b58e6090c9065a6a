"""Media files of catalog imports (Akeneo's `files/…` paths inside a ZIP), kept in the DAM: each file is
checked and stored through the asset services (the same bytes are stored once), its storage path
becomes the media value, and once the products exist it is linked to them (main picture for the
family's image attribute, gallery otherwise). Pictures named by address (Shopify's Image Src) are
fetched after the import commits, by a job."""

from __future__ import annotations

from django.db import transaction

from apps.assets import services, tasks
from apps.assets.models import Asset, ProductAsset, asset_path
from apps.core.models import User
from apps.products.models import Product


def media_store(*, actor: User | None, name: str, data: bytes, dry_run: bool) -> str:
    """The file's storage path; a dry run checks the file and stores nothing."""
    if dry_run:
        checked = services.asset_check(name, data)
        return asset_path(Asset(sha256=checked.sha256), checked.name)
    return services.asset_upload(actor=actor, name=name, data=data).asset.file.name


def media_link(*, actor: User | None, links: list[tuple[str, str, bool]]) -> None:
    products = {p.sku: p for p in Product.objects.filter(sku__in={sku for sku, _path, _main in links})}
    assets = {a.file.name: a for a in Asset.objects.filter(file__in={path for _sku, path, _main in links})}
    for sku, path, main in links:
        role = ProductAsset.Role.MAIN if main else ProductAsset.Role.GALLERY
        services.product_asset_link(actor=actor, product=products[sku], asset=assets[path], role=role)


def media_fetch_later(*, actor: User | None, links: list[tuple[str, str, bool]]) -> None:
    """Queue the fetch of (SKU, address, main) once the import's transaction commits."""
    actor_id = actor.pk if actor is not None else None
    transaction.on_commit(lambda: tasks.media_fetch.delay(links, actor_id))
