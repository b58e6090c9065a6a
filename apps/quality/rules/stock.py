"""Stock: promoted items with nothing to sell, and click-and-collect offered where there is none."""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import F, Q
from django.utils.translation import gettext_noop

from apps.core.stored_text import said
from apps.inventory.models import StockLevel, StockLocation
from apps.inventory.selectors import available_to_sell
from apps.pricing.models import EffectivePrice, Price
from apps.quality.models import Severity
from apps.quality.registry import Batch, Hit, Rule, register


@register
class PromotedWithoutStock(Rule):
    code = "promoted_no_stock"
    severity = Severity.WARNING
    category = "stock"
    description = (
        "On sale (compare-at price) or in a live promotion on a channel, with nothing to sell there."
    )

    def run(self, batch: Batch) -> Iterator[Hit]:
        promoted: dict[tuple[int, int], str] = {}
        for pid, channel_id, promotion in (
            EffectivePrice.objects.filter(product_id__any=batch.sellable, channel__is_active=True)
            .exclude(promotion="")
            .values_list("product_id", "channel_id", "promotion")
        ):
            promoted[(pid, channel_id)] = said(gettext_noop("promotion %(code)s"), code=promotion)
        for pid, channel_id in Price.objects.filter(
            product_id__any=batch.sellable, compare_at__gt=F("amount"), channel__is_active=True
        ).values_list("product_id", "channel_id"):
            promoted.setdefault((pid, channel_id), said(gettext_noop("sale (compare-at price)")))
        if not promoted:
            return
        codes = {channel.pk: channel.code for channel in batch.ctx.channels}
        available = available_to_sell({pid for pid, _c in promoted}, list(codes.values()))
        for (pid, channel_id), why in sorted(promoted.items()):
            if channel_id in codes and available[(pid, codes[channel_id])] <= 0:
                yield Hit(
                    pid,
                    said(
                        gettext_noop("%(channel)s: %(why)s but nothing to sell"),
                        channel=codes[channel_id],
                        why=why,
                    ),
                    {"why": str(why), "available": 0},
                    channel_id=channel_id,
                )


@register
class ClickAndCollectWithoutStock(Rule):
    code = "click_collect_no_stock"
    severity = Severity.WARNING
    category = "stock"
    description = "A click-and-collect store lists the item with none left to hand over."

    def run(self, batch: Batch) -> Iterator[Hit]:
        empty = (
            StockLevel.objects.filter(
                product_id__any=batch.sellable,
                location__kind=StockLocation.Kind.STORE,
                location__click_and_collect=True,
                location__is_active=True,
            )
            .filter(Q(on_hand__lte=F("reserved")))
            .order_by("product_id", "location__code")
            .values_list("product_id", "location__code")
        )
        stores: dict[int, list[str]] = {}
        for pid, store in empty:
            stores.setdefault(pid, []).append(store)
        for pid, codes in stores.items():
            yield Hit(
                pid,
                said(
                    gettext_noop("click and collect offered with no stock at %(stores)s"),
                    stores=", ".join(codes),
                ),
                {"stores": codes},
            )
