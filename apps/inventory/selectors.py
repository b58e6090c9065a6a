"""Availability: computed from stock levels, never typed. Feeds, the API and store pages all read it here."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection

from apps.core.models import Channel

_AVAILABLE_SQL = """
SELECT l.product_id, c.code,
       GREATEST(0, SUM(GREATEST(l.on_hand - l.reserved, 0)) - COALESCE(MAX(p.safety_buffer), 0))
FROM inventory_stocklevel l
JOIN inventory_stocklocation loc ON loc.id = l.location_id AND loc.is_active
JOIN inventory_stocklocation_channels lc ON lc.stocklocation_id = l.location_id
JOIN core_channel c ON c.id = lc.channel_id
LEFT JOIN inventory_channelstockpolicy p ON p.channel_id = lc.channel_id
WHERE l.product_id = ANY(%s::bigint[])
GROUP BY l.product_id, c.code
"""


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
        for product_id, code, quantity in cursor.fetchall():
            if code in codes:
                result[(product_id, code)] = int(quantity)
    return result
