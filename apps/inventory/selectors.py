"""Availability: computed from stock levels, never typed. Feeds, the API and store pages all read it here."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection

from apps.core.models import Channel

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
