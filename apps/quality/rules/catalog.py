"""Completeness and pictures: what a channel needs before it can show a product."""

from __future__ import annotations

from collections.abc import Iterator

from django.utils.translation import gettext_noop

from apps.assets.models import Asset, ProductAsset, RenditionSpec
from apps.core.models import Channel
from apps.core.stored_text import said
from apps.products.models import Attribute, Completeness, Family
from apps.products.values import value_of
from apps.quality.models import Severity
from apps.quality.registry import Batch, Hit, Rule, register


@register
class MissingRequired(Rule):
    code = "missing_required"
    severity = Severity.BLOCKING
    category = "completeness"
    description = "Attributes the channel requires are empty, per channel and locale (stored completeness)."

    def run(self, batch: Batch) -> Iterator[Hit]:
        rows = Completeness.objects.filter(product_id__any=batch.sellable).exclude(incomplete=[])
        channel_ids = dict(Channel.objects.values_list("code", "pk"))
        for stored in rows:
            for channel, scores in stored.by_channel():
                for locale, score in scores:
                    if score.ratio == 100 or channel not in channel_ids:
                        continue
                    yield Hit(
                        stored.product_id,
                        said(
                            gettext_noop("missing on %(channel)s · %(locale)s: %(attributes)s"),
                            channel=channel,
                            locale=locale,
                            attributes=", ".join(score.missing),
                        ),
                        {"missing": list(score.missing), "ratio": score.ratio, "required": score.required},
                        channel_id=channel_ids[channel],
                        locale=locale,
                    )


def _main_pictures(batch: Batch) -> dict[int, tuple[int, int | None, int | None]]:
    """Product id → (asset, width, height) of the main picture it shows, its own or its nearest model's."""
    owners = set(batch.sellable) | {a for pid in batch.sellable for a in batch.lineage(pid)}
    links = (
        ProductAsset.objects.filter(
            product_id__any=owners,
            role=ProductAsset.Role.MAIN,
            channel__isnull=True,
            asset__kind=Asset.Kind.IMAGE,
        )
        .order_by("product_id", "position", "id")
        .values_list("product_id", "asset_id", "asset__width", "asset__height")
    )
    first: dict[int, tuple[int, int | None, int | None]] = {}
    for owner, asset, width, height in links:
        first.setdefault(owner, (asset, width, height))
    result = {}
    for pid in batch.sellable:
        for owner in (pid, *batch.lineage(pid)):
            if owner in first:
                result[pid] = first[owner]
                break
    return result


@register
class MainImageMissing(Rule):
    code = "main_image_missing"
    severity = Severity.BLOCKING
    category = "images"
    description = "No main picture: none in the DAM and none in the family's image attribute."

    def run(self, batch: Batch) -> Iterator[Hit]:
        pictures = _main_pictures(batch)
        named = dict(
            Family.objects.filter(image_attribute__isnull=False).values_list("pk", "image_attribute__code")
        )
        media = list(Attribute.objects.filter(type=Attribute.Type.MEDIA).values_list("code", flat=True))
        for pid in batch.sellable:
            if pid in pictures:
                continue
            family = batch.products[pid]["family_id"]
            codes = [named[family]] if family in named else media
            values = batch.merged_values(pid)
            if not any(value_of(values, code) for code in codes):
                yield Hit(pid, said(gettext_noop("no main picture")), {"image_attributes": codes})


@register
class MainImageTooSmall(Rule):
    code = "main_image_too_small"
    severity = Severity.BLOCKING
    category = "images"
    description = "The main picture is smaller than the channel's minimum (its feed image spec)."

    def run(self, batch: Batch) -> Iterator[Hit]:
        minimums = [
            spec
            for spec in RenditionSpec.objects.filter(
                channel__isnull=False, channel__is_active=True
            ).select_related("channel")
            if spec.min_source_width or spec.min_source_height
        ]
        if not minimums:
            return
        for pid, (asset, width, height) in _main_pictures(batch).items():
            for spec in minimums:
                if (width or 0) < spec.min_source_width or (height or 0) < spec.min_source_height:
                    yield Hit(
                        pid,
                        said(
                            gettext_noop("main picture %(size)s below %(channel)s's minimum %(minimum)s"),
                            size=f"{width}×{height}",
                            channel=spec.channel.code,
                            minimum=f"{spec.min_source_width}×{spec.min_source_height}",
                        ),
                        {
                            "width": width,
                            "height": height,
                            "min": [spec.min_source_width, spec.min_source_height],
                        },
                        channel_id=spec.channel_id,
                        asset_id=asset,
                    )
