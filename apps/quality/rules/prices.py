"""Price anomalies: jumps away from a price's history, likely typos, sales below cost or beyond the
campaign maximum, and channels that should agree but do not."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import suppress
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from functools import cached_property
from statistics import median
from typing import Any

from django.conf import settings
from django.db import connection
from django.utils.translation import gettext_noop

from apps.campaigns.selectors import max_discount
from apps.core.stored_text import said
from apps.products.values import value_of
from apps.quality.models import Severity
from apps.quality.registry import Batch, Hit, Rule, register

_PRICES = """
SELECT pr.product_id, pr.channel_id, c.code, pr.currency, pr.amount, pr.cost,
       ep.amount, ep.regular_amount, ep.promotion
FROM pricing_price pr
JOIN core_channel c ON c.id = pr.channel_id AND c.currency_id = pr.currency AND c.is_active
LEFT JOIN pricing_effectiveprice ep ON ep.product_id = pr.product_id AND ep.channel_id = pr.channel_id
WHERE pr.product_id = ANY(%s::bigint[])
ORDER BY pr.product_id, c.code
"""
# The amounts a price had before its current one (pghistory keeps every change), the last ten.
_HISTORY = """
SELECT pr.product_id, pr.channel_id, e.amount
FROM pricing_price pr
JOIN LATERAL (
    SELECT ev.amount FROM pricing_priceevent ev WHERE ev.pgh_obj_id = pr.id
    ORDER BY ev.pgh_id DESC OFFSET 1 LIMIT 10
) e ON true
WHERE pr.product_id = ANY(%s::bigint[])
"""
# The amounts a price stood at before its current one, newest first, with how long each stood: its change
# events (a cost-only change repeats the amount) collapsed into runs of one amount.
_STOOD = """
SELECT pr.product_id, pr.channel_id, e.amount, e.pgh_created_at, e.pgh_id
FROM pricing_price pr
JOIN LATERAL (
    SELECT ev.amount, ev.pgh_created_at, ev.pgh_id FROM pricing_priceevent ev WHERE ev.pgh_obj_id = pr.id
    ORDER BY ev.pgh_id DESC LIMIT 40
) e ON true
WHERE pr.product_id = ANY(%s::bigint[])
ORDER BY pr.product_id, pr.channel_id, e.pgh_id DESC
"""
TYPO_RATIOS = (Decimal(10), Decimal("0.1"), Decimal(100), Decimal("0.01"))
TYPO_TOLERANCE = Decimal("0.05")


class PriceRow:
    __slots__ = (
        "amount",
        "channel",
        "channel_id",
        "cost",
        "currency",
        "effective",
        "product_id",
        "promotion",
        "regular",
    )

    def __init__(self, row: tuple) -> None:
        (self.product_id, self.channel_id, self.channel, self.currency, self.amount, self.cost,
         self.effective, self.regular, self.promotion) = row  # fmt: skip

    @property
    def shown(self) -> Decimal:
        """What the channel shows now: the effective price when computed, else the base price."""
        return self.effective if self.effective is not None else self.amount


class Prices:
    """A batch's prices, effective prices and price history, read once for every price rule."""

    def __init__(self, batch: Batch) -> None:
        self.batch = batch

    @cached_property
    def rows(self) -> list[PriceRow]:
        with connection.cursor() as cursor:
            cursor.execute(_PRICES, [self.batch.ids])
            return [PriceRow(row) for row in cursor.fetchall()]

    @cached_property
    def by_product(self) -> dict[int, list[PriceRow]]:
        grouped: dict[int, list[PriceRow]] = {}
        for row in self.rows:
            grouped.setdefault(row.product_id, []).append(row)
        return grouped

    @cached_property
    def history(self) -> dict[tuple[int, int], list[Decimal]]:
        found: dict[tuple[int, int], list[Decimal]] = {}
        with connection.cursor() as cursor:
            cursor.execute(_HISTORY, [self.batch.ids])
            for pid, channel_id, amount in cursor.fetchall():
                found.setdefault((pid, channel_id), []).append(amount)
        return found

    @cached_property
    def settled(self) -> dict[tuple[int, int], list[Decimal]]:
        """The usual amounts of each price: the last ten past amounts that stood at least
        NOEL_QUALITY_PRICE_SETTLED seconds. One that was replaced sooner (a typo the person corrected, a
        mistake undone) was never usual, and must not make its correction look like a jump."""
        events: dict[tuple[int, int], list[tuple[Decimal, Any]]] = {}
        with connection.cursor() as cursor:
            cursor.execute(_STOOD, [self.batch.ids])
            for pid, channel_id, amount, at, _id in cursor.fetchall():
                events.setdefault((pid, channel_id), []).append((amount, at))
        minimum = timedelta(seconds=settings.NOEL_QUALITY_PRICE_SETTLED)
        found: dict[tuple[int, int], list[Decimal]] = {}
        for key, rows in events.items():
            runs: list[tuple[Decimal, Any]] = []  # (amount, since), newest first
            for amount, at in rows:
                if runs and runs[-1][0] == amount:
                    runs[-1] = (amount, at)
                else:
                    runs.append((amount, at))
            past = [
                amount
                for (amount, since), (_next, until) in zip(runs[1:], runs[:-1], strict=True)
                if until - since >= minimum
            ]
            if past:
                found[key] = past[:10]
        return found

    def reference(self, row: PriceRow) -> tuple[Decimal | None, str]:
        """What the price should be near: its usual (settled) past amounts, else the RRP, else the median
        of at least two other channels (with one other, which of the two is wrong cannot be told), else
        its past amounts however briefly they stood."""
        settled = self.settled.get((row.product_id, row.channel_id))
        if settled:
            return Decimal(median(settled)), "history"
        rrp = (
            value_of(self.batch.merged_values(row.product_id), "rrp")
            if row.product_id in self.batch.products
            else None
        )
        if isinstance(rrp, dict) and rrp.get(row.currency):
            with suppress(InvalidOperation):
                return Decimal(str(rrp[row.currency])), "recommended price"
        others = [
            o.amount
            for o in self.by_product.get(row.product_id, [])
            if o.channel_id != row.channel_id and o.currency == row.currency
        ]
        if len(others) >= 2:
            return Decimal(median(others)), "other channels"
        past = self.history.get((row.product_id, row.channel_id))
        if past:
            return Decimal(median(past)), "history"
        return None, ""


def _prices(batch: Batch) -> Prices:
    if not hasattr(batch, "_prices"):
        batch._prices = Prices(batch)  # type: ignore[attr-defined]
    return batch._prices  # type: ignore[attr-defined]


def typo_ratio(amount: Decimal, reference: Decimal) -> Decimal | None:
    """The power of ten a price is off by (×10, ÷10, ×100 for a missing decimal point), if it is."""
    if reference <= 0 or amount <= 0:
        return None
    ratio = amount / reference
    return next((r for r in TYPO_RATIOS if abs(ratio / r - 1) <= TYPO_TOLERANCE), None)


# what a price is compared with, by its name in the reader's language
SOURCES = {
    "history": gettext_noop("history"),
    "recommended price": gettext_noop("recommended price"),
    "other channels": gettext_noop("other channels"),
}


@register
class PriceTypo(Rule):
    code = "price_typo"
    severity = Severity.BLOCKING
    category = "prices"
    description = "A price ×10, ÷10 or ×100 (missing decimal point) its history, other channels or RRP."

    def run(self, batch: Batch) -> Iterator[Hit]:
        prices = _prices(batch)
        for row in prices.rows:
            reference, source = prices.reference(row)
            ratio = typo_ratio(row.amount, reference) if reference is not None else None
            if ratio is not None:
                yield Hit(
                    row.product_id,
                    said(
                        gettext_noop(
                            "%(channel)s: %(amount)s %(currency)s looks like a typo, ×%(ratio)s its "
                            "%(source)s (%(reference)s)"
                        ),
                        channel=row.channel,
                        amount=f"{row.amount:.2f}",
                        currency=row.currency,
                        ratio=f"{ratio.normalize()}",
                        source=said(SOURCES.get(source, source)),
                        reference=f"{reference:.2f}",
                    ),
                    {"amount": row.amount, "reference": reference, "source": source, "ratio": ratio},
                    channel_id=row.channel_id,
                )


@register
class PriceJump(Rule):
    code = "price_jump"
    severity = Severity.WARNING
    category = "prices"
    description = (
        "A price far (NOEL_QUALITY_PRICE_JUMP, default 50 %) from its usual level: the median of its past "
        "values that stood at least NOEL_QUALITY_PRICE_SETTLED (a corrected typo never counts as usual)."
    )

    def run(self, batch: Batch) -> Iterator[Hit]:
        prices = _prices(batch)
        limit = Decimal(str(settings.NOEL_QUALITY_PRICE_JUMP))
        for row in prices.rows:
            past = prices.settled.get((row.product_id, row.channel_id))
            if not past:
                continue
            reference = Decimal(median(past))
            if reference <= 0 or typo_ratio(row.amount, reference) is not None:
                continue
            change = (row.amount - reference) / reference
            if abs(change) > limit:
                yield Hit(
                    row.product_id,
                    said(
                        gettext_noop(
                            "%(channel)s: %(amount)s %(currency)s is %(change)s from its usual %(reference)s"
                        ),
                        channel=row.channel,
                        amount=f"{row.amount:.2f}",
                        currency=row.currency,
                        change=f"{change:+.0%}",
                        reference=f"{reference:.2f}",
                    ),
                    {"amount": row.amount, "median": reference, "change": round(change, 4), "past": past},
                    channel_id=row.channel_id,
                )


@register
class BelowCost(Rule):
    code = "below_cost"
    severity = Severity.BLOCKING
    category = "prices"
    description = "The price a channel shows (sale included) is below the product's cost."

    def run(self, batch: Batch) -> Iterator[Hit]:
        for row in _prices(batch).rows:
            if row.cost is not None and row.shown < row.cost:
                template = (
                    gettext_noop("%(channel)s: sale price %(amount)s %(currency)s below cost %(cost)s")
                    if row.promotion
                    else gettext_noop("%(channel)s: price %(amount)s %(currency)s below cost %(cost)s")
                )
                yield Hit(
                    row.product_id,
                    said(
                        template,
                        channel=row.channel,
                        amount=f"{row.shown:.2f}",
                        currency=row.currency,
                        cost=f"{row.cost:.2f}",
                    ),
                    {"shown": row.shown, "cost": row.cost, "promotion": row.promotion},
                    channel_id=row.channel_id,
                )


@register
class DiscountAboveMaximum(Rule):
    code = "discount_above_max"
    severity = Severity.BLOCKING
    category = "prices"
    description = "A live promotion takes more off than the campaign maximum (NOEL_CAMPAIGN_MAX_DISCOUNT)."

    def run(self, batch: Batch) -> Iterator[Hit]:
        limit = max_discount()
        for row in _prices(batch).rows:
            if not row.promotion or not row.regular or row.effective is None:
                continue
            discount = 1 - row.effective / row.regular
            if discount > limit:
                yield Hit(
                    row.product_id,
                    said(
                        gettext_noop(
                            "%(channel)s: %(promotion)s takes %(discount)s off (%(regular)s → "
                            "%(effective)s), above the maximum %(maximum)s"
                        ),
                        channel=row.channel,
                        promotion=row.promotion,
                        discount=f"{discount:.0%}",
                        regular=f"{row.regular:.2f}",
                        effective=f"{row.effective:.2f}",
                        maximum=f"{limit:.0%}",
                    ),
                    {"discount": round(discount, 4), "maximum": limit, "promotion": row.promotion},
                    channel_id=row.channel_id,
                )


@register
class ChannelPriceMismatch(Rule):
    code = "channel_price_mismatch"
    severity = Severity.WARNING
    category = "prices"
    description = "Channels that should agree (NOEL_QUALITY_PRICE_GROUPS) show different prices."

    def run(self, batch: Batch) -> Iterator[Hit]:
        groups = [set(group) for group in settings.NOEL_QUALITY_PRICE_GROUPS]
        for pid, rows in _prices(batch).by_product.items():
            for group in groups:
                shown = {(r.channel, r.currency): r.shown for r in rows if r.channel in group}
                for currency in {c for _ch, c in shown}:
                    amounts = {ch: a for (ch, c), a in shown.items() if c == currency}
                    if len(set(amounts.values())) > 1:
                        listed = ", ".join(f"{ch} {a:.2f}" for ch, a in sorted(amounts.items()))
                        yield Hit(
                            pid,
                            said(
                                gettext_noop("prices differ on %(channels)s: %(amounts)s %(currency)s"),
                                channels=", ".join(sorted(amounts)),
                                amounts=listed,
                                currency=currency,
                            ),
                            {"amounts": amounts, "currency": currency, "group": sorted(group)},
                        )
