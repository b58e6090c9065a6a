"""Reads of prices: what each channel shows, and how a price got there."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import Exists, OuterRef, QuerySet

from apps.core.models import Channel
from apps.pricing.models import EffectivePrice, Price
from apps.pricing.modifiers import adjustments_at, references_at


@dataclass(frozen=True)
class ChannelPrice:
    """A product's price on one channel at one instant, as a feed or a preview shows it."""

    currency: str
    regular: Decimal
    amount: Decimal
    compare_at: Decimal | None
    promotion: str
    valid_from: datetime | None
    valid_until: datetime | None
    # In a promotion: the lowest price of the 30 days before it began (None: no price then)
    reference: Decimal | None = None

    @property
    def crossed_out(self) -> Decimal:
        """The price a promotion is announced as reduced from: the regular price, never above the
        reference price (the law's "prix antérieur")."""
        if self.promotion and self.reference is not None:
            return min(self.regular, self.reference)
        return self.regular

    @property
    def on_sale(self) -> bool:
        """Whether a reduction may be shown: the price is below the price it is announced from."""
        return self.amount < self.crossed_out


def list_prices(
    product_ids: Sequence[int], channels: set[str] | None = None
) -> dict[int, list[tuple[str, Decimal, str]]]:
    """Product id → [(channel code, amount, currency)…] of its base prices, in channel order, for a list
    (one query); `channels` limits them to those codes."""
    rows = Price.objects.filter(product_id__in=list(product_ids))
    if channels is not None:
        rows = rows.filter(channel__code__in=channels)
    found: dict[int, list[tuple[str, Decimal, str]]] = {}
    for product_id, channel, amount, currency in rows.order_by("channel__code").values_list(
        "product_id", "channel__code", "amount", "currency_id"
    ):
        found.setdefault(product_id, []).append((channel, amount, currency))
    return found


def products_priced_between(queryset: QuerySet, low: Decimal | None, high: Decimal | None) -> QuerySet:
    """Products with a base price between `low` and `high` (either may be None) on some channel."""
    prices = Price.objects.filter(product_id=OuterRef("pk"))
    if low is not None:
        prices = prices.filter(amount__gte=low)
    if high is not None:
        prices = prices.filter(amount__lte=high)
    return queryset.filter(Exists(prices))


def effective_prices(
    *, product_ids: list[int] | None = None, channel_codes: list[str] | None = None
) -> QuerySet[EffectivePrice]:
    queryset = EffectivePrice.objects.select_related("channel")
    if product_ids is not None:
        queryset = queryset.filter(product_id__in=product_ids)
    if channel_codes is not None:
        queryset = queryset.filter(channel__code__in=channel_codes)
    return queryset


def price_history(price: Price) -> list[dict[str, Any]]:
    """Each saved state of a price, newest first: when, who, through which path, amounts and reason."""
    rows = []
    for event in price.events.select_related("pgh_context").order_by("-pgh_id"):
        meta = event.pgh_context.metadata if event.pgh_context else {}
        rows.append(
            {
                "at": event.pgh_created_at,
                "who": meta.get("username", "database"),
                "source": meta.get("source", "database"),
                "reason": meta.get("reason", ""),
                "amount": event.amount,
                "compare_at": event.compare_at,
                "cost": event.cost,
            }
        )
    return rows


_PRICES_AT = """
SELECT p.product_id, p.channel_id, p.amount, p.compare_at FROM pricing_price p
JOIN unnest(%s::bigint[], %s::varchar[]) AS c(id, currency) ON c.id = p.channel_id AND c.currency = p.currency
WHERE p.product_id = ANY(%s::bigint[])
"""


def prices_at(product_ids: Sequence[int], channel: Channel, at: datetime) -> dict[int, ChannelPrice]:
    """Prices of products on a channel at any instant, past, present or future, in two queries.

    Computed from the base prices and the promotions in force at `at` by the same function as the stored
    effective prices, so a preview of 1 December shows what the switch will produce then.
    """
    return {pid: price for (pid, _ch), price in channel_prices_at(product_ids, [channel], at).items()}


def channel_prices_at(
    product_ids: Sequence[int], channels: Sequence[Channel], at: datetime
) -> dict[tuple[int, int], ChannelPrice]:
    """(product id, channel id) → price, for several channels at once (a store screen shows them all):
    the same computation as `prices_at`, in two queries whatever the number of channels."""
    if not channels:
        return {}
    currency = {channel.pk: channel.currency_id for channel in channels}
    with connection.cursor() as cursor:  # ANY(array): one parameter, however many products a feed chunk has
        cursor.execute(_PRICES_AT, [list(currency), list(currency.values()), list(product_ids)])
        rows = cursor.fetchall()
    priced = [(pid, ch, amount) for pid, ch, amount, _c in rows]
    adjustments = adjustments_at(priced, at)
    promoted = [row for row in priced if (row[0], row[1]) in adjustments]
    references = references_at(promoted, at) if promoted else {}
    result = {}
    for product_id, channel_id, amount, compare_at in rows:
        adjustment = adjustments.get((product_id, channel_id))
        result[(product_id, channel_id)] = ChannelPrice(
            currency=currency[channel_id],
            regular=amount,
            amount=adjustment.amount if adjustment else amount,
            compare_at=compare_at if compare_at and compare_at > amount else None,
            promotion=adjustment.promotion if adjustment else "",
            valid_from=adjustment.valid_from if adjustment else None,
            valid_until=adjustment.valid_until if adjustment else None,
            reference=references.get((product_id, channel_id)) if adjustment else None,
        )
    return result


# Window functions only (a join of these aggregates made the planner loop over them): per product and
# currency, `n` rows share each amount, `best` is the most shared, and more rows at `best` than `best`
# itself means two amounts tie for it.
_MISMATCHES = """
SELECT channel_id, count(*) FROM (
    SELECT channel_id, n, best, differs, count(*) FILTER (WHERE n = best) OVER p AS at_best
    FROM (
        SELECT channel_id, product_id, currency, n, max(n) OVER p AS best,
               min(amount) OVER p <> max(amount) OVER p AS differs
        FROM (
            SELECT channel_id, product_id, currency, amount,
                   count(*) OVER (PARTITION BY product_id, currency, amount) AS n
            FROM pricing_effectiveprice WHERE amount IS NOT NULL
        ) a WINDOW p AS (PARTITION BY product_id, currency)
    ) b WINDOW p AS (PARTITION BY product_id, currency)
) c
WHERE differs AND (n < best OR at_best > best)
GROUP BY channel_id
"""


def price_mismatches() -> dict[int, int]:
    """Channel id → products whose effective price there is not the one most channels of the same
    currency show (a promotion on the shop and not in the store, a price typed on one channel only): the
    odd channel out is counted, not every channel; with no majority, every channel counts. One query."""
    with connection.cursor() as cursor:
        cursor.execute(_MISMATCHES)
        return dict(cursor.fetchall())


# Per (product, channel) pair and per time slice, the lowest base price the history says the channel
# applied during the slice, in the channel's currency. Each recorded state of a price lasts until the
# next one (the last until now and beyond); a deleted price or one in another currency is no price. A
# price with no recorded history at all (written before history was kept) counts as always applied.
_BASE_MINIMA = """
WITH pairs AS (
    SELECT DISTINCT * FROM unnest(%s::bigint[], %s::bigint[]) AS t(product_id, channel_id)
), current AS (
    SELECT pr.id, pr.product_id, pr.channel_id, pr.amount, c.currency_id AS currency
    FROM pairs
    JOIN core_channel c ON c.id = pairs.channel_id
    JOIN pricing_price pr ON pr.product_id = pairs.product_id AND pr.channel_id = pairs.channel_id
        AND pr.currency = c.currency_id
), states AS (
    SELECT cur.product_id, cur.channel_id, ev.pgh_created_at AS since,
           lead(ev.pgh_created_at) OVER (PARTITION BY ev.pgh_obj_id ORDER BY ev.pgh_id) AS until,
           CASE WHEN ev.pgh_label <> 'deleted' AND ev.currency = cur.currency THEN ev.amount END AS amount
    FROM current cur JOIN pricing_priceevent ev ON ev.pgh_obj_id = cur.id
    UNION ALL
    SELECT cur.product_id, cur.channel_id, '-infinity'::timestamptz, NULL, cur.amount
    FROM current cur
    WHERE NOT EXISTS (SELECT 1 FROM pricing_priceevent ev WHERE ev.pgh_obj_id = cur.id)
), slices AS (
    SELECT * FROM unnest(%s::timestamptz[], %s::timestamptz[]) WITH ORDINALITY AS s(since, until, n)
)
SELECT st.product_id, st.channel_id, sl.n - 1, min(st.amount)
FROM states st JOIN slices sl ON st.since < sl.until AND (st.until IS NULL OR st.until > sl.since)
WHERE st.amount IS NOT NULL
GROUP BY st.product_id, st.channel_id, sl.n
"""


def base_price_minima(
    pairs: Sequence[tuple[int, int]], cuts: Sequence[datetime]
) -> dict[tuple[int, int], dict[int, Decimal]]:
    """(product, channel) → {slice index → lowest base price applied during that slice}, from the price
    history, in one query. Slice i runs from cuts[i] to cuts[i + 1]; a slice without any price for the
    pair is left out. The currency is the channel's."""
    if not pairs or len(cuts) < 2:
        return {}
    cuts = sorted(cuts)
    result: dict[tuple[int, int], dict[int, Decimal]] = {}
    with connection.cursor() as cursor:
        cursor.execute(
            _BASE_MINIMA,
            [[p for p, _c in pairs], [c for _p, c in pairs], list(cuts[:-1]), list(cuts[1:])],
        )
        for product_id, channel_id, index, amount in cursor.fetchall():
            result.setdefault((product_id, channel_id), {})[index] = amount
    return result
