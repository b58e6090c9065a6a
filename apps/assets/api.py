"""The DAM for integrators: the library (with rendition URLs), uploads (checked as in the admin) and
links to products by SKU; and the pictures on every product through `product_extras`."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db.models import Prefetch
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import File, Form, Query, Router, Status
from ninja.files import UploadedFile

from apps.assets import selectors, services
from apps.assets.models import Asset, ProductAsset, Rendition
from apps.core import uploads
from apps.core.api_auth import require, shown_channels
from apps.core.api_schema import InputSchema, one_of
from apps.core.models import Channel
from apps.products import policies
from apps.products.models import Product

router = Router(tags=["assets"])
_ROLE_ORDER = {role: n for n, role in enumerate(ProductAsset.Role.values)}  # main, gallery, then the rest


def _url(request: HttpRequest, name: str) -> str:
    return request.build_absolute_uri(default_storage.url(name))


def _current_renditions(request: HttpRequest, asset: Asset) -> dict[str, dict]:
    """Renditions of the current source only, from the prefetched `current` list."""
    return {
        r.spec.code: {"url": _url(request, r.file.name), "width": r.width, "height": r.height}
        for r in asset.current
        if r.source_sha256 == asset.sha256
    }


def _with_renditions(queryset):
    return queryset.prefetch_related(
        Prefetch("renditions", queryset=Rendition.objects.select_related("spec"), to_attr="current")
    )


def asset_payload(request: HttpRequest, asset: Asset) -> dict:
    return {
        "id": asset.pk,
        "name": asset.original_name,
        "kind": asset.kind,
        "status": asset.status,
        "sha256": asset.sha256,
        "size": asset.size,
        "width": asset.width,
        "height": asset.height,
        "url": _url(request, asset.file.name),
        "alt_text": asset.alt_text,
        "caption": asset.caption,
        "tags": asset.tags,
        "rights": {"owner": asset.rights_owner, "licence": asset.licence, "valid_until": asset.valid_until},
        "replaced_by": asset.replaced_by_id,
        "renditions": _current_renditions(request, asset),
    }


class AssetFilters(InputSchema):
    kind: one_of(Asset.Kind) | None = None
    status: one_of(Asset.Status) | None = None
    tag: str | None = None
    after: int | None = None
    limit: int = 50


@router.get("", summary="List assets", response=dict)
def list_assets(request: HttpRequest, filters: Query[AssetFilters]):
    """Newest first; pass the last `id` as `after` for the next page. Each asset carries the URLs of
    its renditions of the current source."""
    require(request, "read", "assets.view_asset")
    queryset = Asset.objects.order_by("-pk")
    if filters.kind:
        queryset = queryset.filter(kind=filters.kind)
    if filters.status:
        queryset = queryset.filter(status=filters.status)
    if filters.tag:
        queryset = queryset.filter(tags__contains=[filters.tag])
    if filters.after:
        queryset = queryset.filter(pk__lt=filters.after)
    limit = max(1, min(filters.limit, 200))
    page = list(_with_renditions(queryset)[: limit + 1])
    items = [asset_payload(request, a) for a in page[:limit]]
    return {"items": items, "next_after": items[-1]["id"] if len(page) > limit else None}


@router.get("/{asset_id}", summary="One asset, with where it is used", response=dict)
def get_asset(request: HttpRequest, asset_id: int):
    require(request, "read", "assets.view_asset")
    asset = get_object_or_404(_with_renditions(Asset.objects), pk=asset_id)
    return {
        **asset_payload(request, asset),
        "usage": [u.__dict__ for u in selectors.asset_usage_shown(asset, request.user)],
    }


@router.post("", summary="Upload a file", response={201: dict})
def upload_asset(
    request: HttpRequest,
    file: File[UploadedFile],
    sku: Form[str | None] = None,
    role: Form[ProductAsset.Role] = ProductAsset.Role.GALLERY,
    tags: Form[str] = "",
):
    """Checked as in the admin (content against extension, decodable, pixel and size limits); the
    same bytes twice give the existing asset (`created: false`). With a SKU, linked to that product."""
    require(request, "write", "assets.add_asset")
    product = _product(request, sku) if sku else None
    try:  # refused on its size as uploaded, before it is read
        uploads.size_check(file.name or "upload", file.size, services.max_bytes())
    except ValidationError as exc:
        raise ValidationError({"file": exc.messages}) from exc
    data = file.read(services.max_bytes() + 1)
    result = services.asset_upload(
        actor=request.user,
        name=file.name or "upload",
        data=data,
        product=product,
        role=role,
        tags=[t.strip() for t in tags.split(",") if t.strip()],
    )
    asset = _with_renditions(Asset.objects).get(pk=result.asset.pk)
    return Status(
        201,
        {
            "asset": asset_payload(request, asset),
            "created": result.created,
            "warnings": result.warnings,
            "link": _link_payload(result.link) if result.link else None,
        },
    )


class LinkIn(InputSchema):
    sku: str
    role: ProductAsset.Role = ProductAsset.Role.GALLERY
    position: int | None = None
    channel: str | None = None


@router.post("/{asset_id}/links", summary="Link an asset to a product", response={201: dict})
def link_asset(request: HttpRequest, asset_id: int, body: LinkIn):
    require(request, "write", "assets.add_productasset")
    asset = get_object_or_404(Asset, pk=asset_id)
    channel = get_object_or_404(Channel, code=body.channel) if body.channel else None
    link = services.product_asset_link(
        actor=request.user,
        product=_product(request, body.sku),
        asset=asset,
        role=body.role,
        position=body.position,
        channel=channel,
    )
    return Status(201, _link_payload(link))


def _product(request: HttpRequest, sku: str) -> Product:
    return get_object_or_404(policies.visible_products(request.user, Product.objects.all()), sku__iexact=sku)


def _link_payload(link: ProductAsset) -> dict:
    return {
        "sku": link.product.sku,
        "asset": link.asset_id,
        "role": link.role,
        "position": link.position,
        "channel": link.channel.code if link.channel_id else None,
    }


def product_assets(products: list[Product], request: HttpRequest) -> dict[int, list[dict]]:
    """The pictures of a page of products (two queries whatever the page size), in form order, with
    the URLs of their current renditions."""
    shown: dict[int, list[dict]] = {p.pk: [] for p in products}
    links = (
        ProductAsset.objects.filter(product__in=products)
        .select_related("asset", "channel")
        .prefetch_related(
            Prefetch(
                "asset__renditions", queryset=Rendition.objects.select_related("spec"), to_attr="current"
            )
        )
        .order_by("product_id", "position", "pk")
    )
    links = sorted(
        links, key=lambda lk: (lk.product_id, lk.channel_id or 0, _ROLE_ORDER[lk.role], lk.position)
    )
    channels = shown_channels(request)  # the token's channels, those asked for
    for link in links:
        if channels is not None and link.channel_id and link.channel.code not in channels:
            continue
        asset = link.asset
        shown[link.product_id].append(
            {
                "asset": asset.pk,
                "role": link.role,
                "position": link.position,
                "channel": link.channel.code if link.channel_id else None,
                "status": asset.status,
                "valid_until": asset.valid_until,
                "url": _url(request, asset.file.name),
                "width": asset.width,
                "height": asset.height,
                "alt_text": asset.alt_text,
                "renditions": _current_renditions(request, asset),
            }
        )
    return shown
