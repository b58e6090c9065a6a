"""Reads of the DAM, among them the contract the channel feeds call: `feed_images`."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from django.core.files.storage import default_storage
from django.db.models import Case, Count, F, OuterRef, Q, QuerySet, Subquery, When
from django.utils import timezone

from apps.assets.models import THUMBNAIL_SPEC, Asset, ProductAsset, Rendition, RenditionSpec
from apps.core.models import Channel, User
from apps.products import policies as catalog_policies
from apps.products.models import Product

Role = ProductAsset.Role


@dataclass(frozen=True)
class FeedImage:
    url: str  # storage URL (storage.url(name)); relative URLs are made absolute by the caller
    width: int
    height: int
    role: str  # "main", "gallery", ...
    asset_id: int


def _usable_at(at: datetime) -> Q:
    """Assets a channel may show at `at`: not archived, rights not ended (valid_until <= at ends them)."""
    return ~Q(asset__status=Asset.Status.ARCHIVED) & (
        Q(asset__valid_until__isnull=True) | Q(asset__valid_until__gt=at)
    )


def feed_images(product_ids: Sequence[int], channel: Channel, at: datetime) -> dict[int, list[FeedImage]]:
    """main first, then gallery by position; channel overrides applied; assets archived, or whose
    rights have expired at `at` (valid_until <= at), excluded; the rendition for the channel's spec
    when it exists for the current source hash, else the original's URL and size. A constant number of
    queries whatever the number of products (three).

    A link with this channel replaces, for its role, the links without a channel. A variant without
    pictures of its own shows those of its parent (or grandparent), as Akeneo's sub-models hold them."""
    return channels_images(product_ids, [channel], at).get(channel.pk, {})


def channels_images(
    product_ids: Sequence[int], channels: Sequence[Channel], at: datetime
) -> dict[int, dict[int, list[FeedImage]]]:
    """Channel id → feed_images of the products on that channel, for several channels in the same three
    queries (campaign readiness checks every channel of a campaign at once)."""
    ids = list(dict.fromkeys(product_ids))
    channel_ids = [c.pk for c in channels]
    if not ids or not channel_ids:
        return {}
    lineage = {
        pk: [pk, *(a for a in (parent, grandparent) if a)]
        for pk, parent, grandparent in Product.objects.filter(pk__any=ids).values_list(
            "pk", "parent_id", "parent__parent_id"
        )
    }
    owners = {a for chain in lineage.values() for a in chain}
    links = list(
        ProductAsset.objects.filter(product_id__any=owners, role__in=(Role.MAIN, Role.GALLERY))
        .filter(Q(channel__isnull=True) | Q(channel_id__in=channel_ids))
        .filter(_usable_at(at))
        .values_list(
            "product_id", "role", "position", "channel_id", "asset_id", "asset__file",
            "asset__width", "asset__height",
        )
        .order_by("product_id", "position", "pk")
    )  # fmt: skip
    renditions = {
        (channel_id, asset_id): (name, w, h)
        for channel_id, asset_id, name, w, h in Rendition.objects.filter(
            spec__channel_id__in=channel_ids,
            asset_id__any={link[4] for link in links},
            source_sha256=F("asset__sha256"),
        ).values_list("spec__channel_id", "asset_id", "file", "width", "height")
    }
    return {
        channel_id: _images_on(ids, lineage, [link for link in links if link[3] in (None, channel_id)],
                               {a: r for (c, a), r in renditions.items() if c == channel_id})
        for channel_id in channel_ids
    }  # fmt: skip


def _images_on(ids, lineage, links, renditions) -> dict[int, list[FeedImage]]:
    per_owner: dict[int, dict[str, list[tuple]]] = {}
    for link in links:
        per_owner.setdefault(link[0], {}).setdefault(link[1], []).append(link)
    result: dict[int, list[FeedImage]] = {}
    for pk in ids:
        owner = next((a for a in lineage.get(pk, []) if a in per_owner), None)
        images: list[FeedImage] = []
        for role in (Role.MAIN, Role.GALLERY):
            chosen = per_owner.get(owner, {}).get(role, []) if owner else []
            if any(link[3] is not None for link in chosen):  # this channel's override wins
                chosen = [link for link in chosen if link[3] is not None]
            if role == Role.MAIN:
                chosen = chosen[:1]
            for _owner, _role, _pos, _ch, asset_id, name, width, height in chosen:
                if asset_id in renditions:
                    name, width, height = renditions[asset_id]
                images.append(FeedImage(default_storage.url(name), width or 0, height or 0, role, asset_id))
        result[pk] = images
    return result


@dataclass(frozen=True)
class Usage:
    """One place an asset is used: a product (in a role, maybe on one channel), a campaign, a feed…"""

    kind: str
    code: str
    detail: str = ""
    channel: str | None = None

    def __str__(self) -> str:
        where = f" on {self.channel}" if self.channel else ""
        detail = f" ({self.detail})" if self.detail else ""
        return f"{self.kind} {self.code}{detail}{where}"


UsageProvider = Callable[[Asset], list[Usage]]
_usage_providers: list[UsageProvider] = []


def asset_usage_register(provider: UsageProvider) -> None:
    """Upper apps (campaigns, channels) tell where they use assets; the DAM never imports them."""
    if provider not in _usage_providers:
        _usage_providers.append(provider)


def product_usage(asset: Asset) -> list[Usage]:
    return [
        Usage("product", sku, role, channel)
        for sku, role, channel in ProductAsset.objects.filter(asset=asset)
        .order_by("product__sku", "role", "position")
        .values_list("product__sku", "role", "channel__code")
    ]


asset_usage_register(product_usage)


def asset_usage(asset: Asset) -> list[Usage]:
    """Everywhere the asset is used, as every registered provider sees it."""
    return [usage for provider in _usage_providers for usage in provider(asset)]


def asset_usage_shown(asset: Asset, viewer: User | None) -> list[Usage]:
    """Where the asset is used, as shown to a person: the products of other category teams are left out
    (their SKUs are not the person's to see); the whole list still decides whether the asset is in use."""
    usages = asset_usage(asset)
    skus = [u.code for u in usages if u.kind == "product"]
    if not skus or viewer is None:
        return usages
    seen = set(
        catalog_policies.visible_products(viewer, Product.objects.filter(sku__in=skus)).values_list(
            "sku", flat=True
        )
    )
    return [u for u in usages if u.kind != "product" or u.code in seen]


def asset_skus(asset_ids: Sequence[int]) -> list[str]:
    return list(
        ProductAsset.objects.filter(asset_id__in=asset_ids)
        .order_by("product__sku")
        .values_list("product__sku", flat=True)
        .distinct()
    )


def product_pictures(product: Product) -> list[ProductAsset]:
    """A product's links in form order (main, then gallery, then other roles), with their assets and
    the thumbnail rendition when it exists."""
    order = {role: n for n, role in enumerate(Role.values)}
    links = list(
        ProductAsset.objects.filter(product=product)
        .select_related("asset", "channel")
        .order_by("position", "pk")
    )
    return sorted(links, key=lambda link: (link.channel_id or 0, order[link.role], link.position))


def main_thumbnails(products: Sequence[Product]) -> dict[int, tuple[str, str]]:
    """Product id → (URL, alt text) of its main picture for a list: the main link without a channel
    (else its first gallery picture), its model's for a variant without its own, the thumbnail rendition of
    the current file when made, else the original. One query, two when a variant is among `products`."""
    lineage = {p.pk: [p.pk, *([p.parent_id] if p.parent_id else [])] for p in products}
    parents = {p.parent_id for p in products if p.parent_id}
    if parents:
        grand = dict(
            Product.objects.filter(pk__any=list(parents), parent__isnull=False).values_list("pk", "parent_id")
        )
        for chain in lineage.values():
            if chain[-1] in grand:
                chain.append(grand[chain[-1]])
    owners = sorted({a for chain in lineage.values() for a in chain})
    if not owners:
        return {}
    thumbnail = Rendition.objects.filter(
        asset_id=OuterRef("asset_id"), spec__code=THUMBNAIL_SPEC, source_sha256=OuterRef("asset__sha256")
    ).values("file")[:1]
    first = {}
    for owner, original, alt, name, made in (
        ProductAsset.objects.filter(
            product_id__any=owners, role__in=(Role.MAIN, Role.GALLERY), channel__isnull=True,
            asset__kind=Asset.Kind.IMAGE,
        )
        .filter(_usable_at(timezone.now()))
        .annotate(made=Subquery(thumbnail), main_first=Case(When(role=Role.MAIN, then=0), default=1))
        .order_by("product_id", "main_first", "position", "pk")
        .distinct("product_id")
        .values_list("product_id", "asset__file", "asset__alt_text", "asset__original_name", "made")
    ):  # fmt: skip
        first[owner] = (default_storage.url(made or original), next(iter((alt or {}).values()), "") or name)
    return {
        pk: first[owner]
        for pk, chain in lineage.items()
        if (owner := next((a for a in chain if a in first), None)) is not None
    }


def assets_expiring(*, before: datetime) -> Sequence[Asset]:
    return Asset.objects.filter(status=Asset.Status.ACTIVE, valid_until__lte=before)


def channel_spec(channel: Channel) -> RenditionSpec | None:
    return RenditionSpec.objects.filter(channel=channel).first()


def pictured(product_ids: Sequence[int]) -> dict[int, set[str]]:
    """Per product, the channel codes where a usable picture of its own or of its model shows ("*": every
    channel): what fills its required media attributes for completeness. Two queries."""
    ids = list(dict.fromkeys(product_ids))
    if not ids:
        return {}
    lineage = {
        pk: [pk, *(a for a in (parent, grandparent) if a)]
        for pk, parent, grandparent in Product.objects.filter(pk__any=ids).values_list(
            "pk", "parent_id", "parent__parent_id"
        )
    }
    owners = {a for chain in lineage.values() for a in chain}
    shown: dict[int, set[str]] = {}
    for owner, channel in (
        ProductAsset.objects.filter(
            product_id__any=owners, role__in=(Role.MAIN, Role.GALLERY), asset__kind=Asset.Kind.IMAGE
        )
        .filter(_usable_at(timezone.now()))
        .values_list("product_id", "channel__code")
        .distinct()
    ):
        shown.setdefault(owner, set()).add(channel or "*")
    result: dict[int, set[str]] = {}
    for pk, chain in lineage.items():
        channels = set().union(*(shown.get(owner, set()) for owner in chain))
        if channels:
            result[pk] = channels
    return result


def pictures_to_pick(term: str) -> QuerySet[Asset]:
    """Active images a picker offers, newest first: those whose file name contains `term` or tagged
    with it, each with how many products use it (`use_count`)."""
    found = Asset.objects.filter(kind=Asset.Kind.IMAGE, status=Asset.Status.ACTIVE)
    if term:
        found = found.filter(Q(original_name__icontains=term) | Q(tags__contains=[term]))
    return found.annotate(use_count=Count("product_links")).order_by("-created_at", "-pk")
