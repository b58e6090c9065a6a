"""Availability: computed from stock levels, never typed. Feeds, the API and store pages all read it here.
Also the demand seen in stock movements, and the stock-out risk forecast from it."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db import connection
from django.db.models import BooleanField, Exists, F, OuterRef
from django.db.models.expressions import RawSQL
from django.utils import timezone

from apps.core.models import Channel
from apps.inventory.models import StockLevel, StockLocation

# Available to sell per product and channel: Σ over the active locations serving the channel of
# (on hand − reserved), less the channel's safety buffer, never below zero.
_AVAILABLE_ROWS = """
SELECT l.product_id, c.id AS channel_id, c.code,
       GREATEST(0, SUM(GREATEST(l.on_hand - l.reserved, 0)) - COALESCE(MAX(p.safety_buffer), 0)) AS available
FROM inventory_stocklevel l {join}
JOIN inventory_stocklocation loc ON loc.id = l.location_id AND loc.is_active
JOIN inventory_stocklocation_channels lc ON lc.stocklocation_id = l.location_id
JOIN core_channel c ON c.id = lc.channel_id
LEFT JOIN inventory_channelstockpolicy p ON p.channel_id = lc.channel_id
WHERE {where}
GROUP BY l.product_id, c.id, c.code
"""
_AVAILABLE_SQL = _AVAILABLE_ROWS.format(join="", where="l.product_id = ANY(%s::bigint[])")


def available_to_sell(
    product_ids: Iterable[int], channel_codes: Iterable[str] | None = None
) -> dict[tuple[int, str], int]:
    """(product id, channel code) → Σ over the active locations serving the channel of (on hand − reserved),
    less the channel's safety buffer, never below zero. Every pair asked for is answered (0 = sold out)."""
    ids = sorted(set(product_ids))
    codes = (
        list(channel_codes)
        if channel_codes is not None
        else list(Channel.objects.values_list("code", flat=True))
    )
    result = {(pid, code): 0 for pid in ids for code in codes}
    if not ids:
        return result
    with connection.cursor() as cursor:
        cursor.execute(_AVAILABLE_SQL, [ids])
        for product_id, _channel, code, quantity in cursor.fetchall():
            if code in codes:
                result[(product_id, code)] = int(quantity)
    return result


def low_stock() -> int:
    """At most this many available on its best channel, a product counts as low in stock (the list's
    stock filter and column)."""
    return int(getattr(settings, "NOEL_LOW_STOCK", 5))


# Sellable at a product's level, for the list's stock filter: on hand beyond reserved at the active locations
# that serve a channel, summed. Channels' safety buffers are left out: working them in means the per-channel
# sums of `available_to_sell` for every product, seconds at 100,000 products, where this is one hash join.
_SELLABLE_LEVELS = """
SELECT l.product_id, SUM(l.on_hand - l.reserved) AS sellable
FROM inventory_stocklevel l JOIN inventory_stocklocation loc ON loc.id = l.location_id AND loc.is_active
WHERE l.on_hand > l.reserved
  AND EXISTS (SELECT 1 FROM inventory_stocklocation_channels lc WHERE lc.stocklocation_id = loc.id)
GROUP BY l.product_id
"""
_LOW = f"""EXISTS (SELECT 1 FROM ({_SELLABLE_LEVELS}) s
                   WHERE s.product_id = "products_product"."id" AND s.sellable <= %s)"""


def products_by_stock(queryset, level: str):
    """Sellable products (not models) with stock on hand beyond reserved at an active location that serves a
    channel ("in"), at most `low_stock()` units there in all ("low"), or none ("out": sold out, or no stock
    anywhere). Channels' safety buffers are not counted here (the list's column does count them)."""
    sellable = queryset.filter(is_model=False)
    stocked = Exists(
        StockLevel.objects.filter(
            product_id=OuterRef("pk"),
            on_hand__gt=F("reserved"),
            location__is_active=True,
            location__channels__isnull=False,
        )
    )
    if level == "in":
        return sellable.filter(stocked)
    if level == "out":
        return sellable.exclude(stocked)
    if level == "low":
        return sellable.filter(RawSQL(_LOW, [low_stock()], output_field=BooleanField()))
    return queryset


_APPROVED_AVAILABLE = _AVAILABLE_ROWS.format(
    join="JOIN products_product pr ON pr.id = l.product_id",
    where="pr.status = 'approved' AND pr.enabled AND NOT pr.is_model",
)
_SOLD_OUT_HERE_ONLY = f"""
WITH a AS ({_APPROVED_AVAILABLE}),
stocked AS (SELECT product_id FROM a GROUP BY product_id HAVING max(available) > 0)
SELECT c.id, count(*) FROM core_channel c CROSS JOIN stocked s
LEFT JOIN a ON a.product_id = s.product_id AND a.channel_id = c.id
WHERE c.is_active AND COALESCE(a.available, 0) = 0
GROUP BY c.id
"""


def sold_out_here_in_stock_elsewhere() -> dict[int, int]:
    """Channel id → approved products it cannot sell (nothing available to it) while another channel
    can: stock that sits where this channel's locations are not, or under its safety buffer."""
    with connection.cursor() as cursor:
        cursor.execute(_SOLD_OUT_HERE_ONLY)
        return dict(cursor.fetchall())


def forecast_alpha() -> float:
    return float(getattr(settings, "NOEL_FORECAST_ALPHA", 0.3))


def forecast_days() -> int:
    return int(getattr(settings, "NOEL_FORECAST_DAYS", 28))


def smoothed(series: Sequence[int], alpha: float) -> float:
    """Simple exponential smoothing: the level starts at the first day and each day moves it by alpha
    towards that day's figure; the last level is the forecast of every day to come."""
    if not series:
        return 0.0
    level = float(series[0])
    for value in series[1:]:
        level = alpha * value + (1 - alpha) * level
    return level


@dataclass(frozen=True)
class StockoutRisk:
    """Will a product's stock last until a date? Every number that explains the answer is kept."""

    available: int  # on hand − reserved at the active locations serving the channels
    daily: tuple[int, ...]  # units that left those locations each day, oldest first (restocks ignored)
    alpha: float
    demand: float  # smoothed units per day
    days_left: float  # from now until the date the stock must last to
    first_day: date

    @property
    def sold(self) -> int:
        return sum(self.daily)

    @property
    def cover_days(self) -> float | None:
        """Days the stock lasts at the forecast demand; None when nothing is selling."""
        return self.available / self.demand if self.demand > 0 else None

    @property
    def level(self) -> str:
        if self.available <= 0:
            return "sold_out"
        cover = self.cover_days
        return "at_risk" if cover is not None and cover < self.days_left else "ok"

    @property
    def at_risk(self) -> bool:
        return self.level != "ok" and self.days_left > 0


@dataclass
class DemandHistory:
    """Daily units out and stock on hand per product and location, loaded once for many products and
    channels, so each campaign's risks are a sum over its locations, not another query."""

    now: datetime
    first_day: date
    days: int
    out: dict[tuple[int, int], dict[int, int]]  # (product, location) → day index → units
    available: dict[tuple[int, int], int]  # (product, location) → on hand − reserved
    serving: dict[str, frozenset[int]]  # channel code → active locations serving it

    def risk(
        self, product_id: int, channel_codes: Iterable[str], *, until: datetime, alpha: float | None = None
    ) -> StockoutRisk:
        locations = frozenset().union(*(self.serving.get(code, frozenset()) for code in channel_codes))
        daily = [0] * self.days
        for location in locations:
            for index, units in self.out.get((product_id, location), {}).items():
                daily[index] += units
        alpha = forecast_alpha() if alpha is None else alpha
        return StockoutRisk(
            available=sum(self.available.get((product_id, loc), 0) for loc in locations),
            daily=tuple(daily),
            alpha=alpha,
            demand=smoothed(daily, alpha),
            days_left=max(0.0, (until - self.now).total_seconds() / 86400),
            first_day=self.first_day,
        )


_OUT_PER_DAY = """
SELECT l.product_id, l.location_id, (m.created_at AT TIME ZONE %s)::date,
       SUM(m.on_hand_before - m.on_hand_after)
FROM inventory_stockmovement m JOIN inventory_stocklevel l ON l.id = m.level_id
WHERE l.product_id = ANY(%s::bigint[]) AND m.on_hand_after < m.on_hand_before
  AND m.created_at >= %s AND m.created_at < %s
GROUP BY 1, 2, 3
"""


def demand_history(product_ids: Iterable[int], *, now: datetime, days: int | None = None) -> DemandHistory:
    """The last `days` whole days (local time, today left out: it is not over) of units leaving stock,
    in three queries whatever the number of products, locations and channels."""
    ids = sorted(set(product_ids))
    days = days or forecast_days()
    zone = timezone.get_current_timezone()
    today = timezone.localtime(now, zone).date()
    first = today - timedelta(days=days)
    start = datetime.combine(first, time.min, zone)
    end = datetime.combine(today, time.min, zone)
    out: dict[tuple[int, int], dict[int, int]] = {}
    with connection.cursor() as cursor:
        cursor.execute(_OUT_PER_DAY, [str(zone), ids, start, end])
        for product_id, location_id, day, units in cursor.fetchall():
            out.setdefault((product_id, location_id), {})[(day - first).days] = int(units)
    available = {
        (p, loc): max(0, on_hand - reserved)
        for p, loc, on_hand, reserved in StockLevel.objects.filter(
            product_id__any=ids, location__is_active=True
        ).values_list("product_id", "location_id", "on_hand", "reserved")
    }
    serving: dict[str, set[int]] = {}
    for code, location in StockLocation.channels.through.objects.filter(
        stocklocation__is_active=True
    ).values_list("channel__code", "stocklocation_id"):
        serving.setdefault(code, set()).add(location)
    return DemandHistory(
        now, first, days, out, available, {code: frozenset(locs) for code, locs in serving.items()}
    )


def stockout_risk(
    product_ids: Iterable[int], channel_codes: Sequence[str], *, now: datetime, until: datetime
) -> dict[int, StockoutRisk]:
    """Product id → whether its stock on these channels lasts until `until` at the smoothed demand."""
    ids = sorted(set(product_ids))
    history = demand_history(ids, now=now)
    return {pid: history.risk(pid, channel_codes, until=until) for pid in ids}
