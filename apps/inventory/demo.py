"""Demo stock: a warehouse for the online channels, three stores with click and collect, and a few
sold-out items so that the feeds and the store page have something to show."""

from __future__ import annotations

import random
from decimal import Decimal
from typing import TextIO

from apps.core.models import Channel
from apps.inventory import services
from apps.inventory.models import ChannelStockPolicy, StockLocation
from apps.products.models import Product

LOCATIONS = [
    (
        "WH-LYON",
        "Entrepôt de Lyon",
        "warehouse",
        "Lyon",
        "69007",
        ("45.733", "4.833"),
        ["web", "google", "meta", "marketplace"],
        False,
        "",
    ),
    (
        "PARIS-01",
        "Noël Paris Opéra",
        "store",
        "Paris",
        "75009",
        ("48.872", "2.332"),
        ["stores", "web"],
        True,
        "same_day",
    ),
    (
        "LYON-01",
        "Noël Lyon Bellecour",
        "store",
        "Lyon",
        "69002",
        ("45.758", "4.832"),
        ["stores", "web"],
        True,
        "same_day",
    ),
    (
        "LILLE-01",
        "Noël Lille Centre",
        "store",
        "Lille",
        "59000",
        ("50.637", "3.063"),
        ["stores"],
        True,
        "next_day",
    ),
]
HOURS = {
    "mon": "10:00-19:00",
    "tue": "10:00-19:00",
    "wed": "10:00-19:00",
    "thu": "10:00-20:00",
    "fri": "10:00-20:00",
    "sat": "09:30-20:00",
    "sun": "11:00-18:00",
}


def seed(*, products: int, out: TextIO) -> None:
    channels = {c.code: c for c in Channel.objects.all()}
    for code, name, kind, city, postcode, (lat, lon), served, collect, sla in LOCATIONS:
        location, created = StockLocation.objects.get_or_create(
            code=code,
            defaults={
                "name": name, "kind": kind, "city": city, "postcode": postcode, "latitude": Decimal(lat),
                "longitude": Decimal(lon), "opening_hours": HOURS if kind == "store" else {},
                "click_and_collect": collect, "ship_from_store": kind == "store", "pickup_sla": sla,
            },
        )  # fmt: skip
        if created:
            location.channels.set([channels[c] for c in served if c in channels])
    if "marketplace" in channels:
        ChannelStockPolicy.objects.get_or_create(
            channel=channels["marketplace"], defaults={"safety_buffer": 2}
        )
    if (
        products > 5000
        or not Product.objects.exists()
        or StockLocation.objects.filter(levels__isnull=False).exists()
    ):
        return
    rng = random.Random(1224)
    lines = []
    for n, sku in enumerate(
        Product.objects.filter(is_model=False).order_by("sku").values_list("sku", flat=True)
    ):
        sold_out = n % 17 == 0
        lines.append(services.StockLine(sku, "WH-LYON", quantity=0 if sold_out else rng.randint(5, 120)))
        for store in ("PARIS-01", "LYON-01", "LILLE-01"):
            lines.append(
                services.StockLine(
                    sku, store, quantity=0 if sold_out or rng.random() < 0.2 else rng.randint(1, 12)
                )
            )
    result = services.stock_apply_batch(actor=None, lines=lines)
    out.write(f"Stock: {result['changed']} levels in {len(LOCATIONS)} locations\n")
