"""The 30-day reference prices of a campaign's review page: a campaign over 50,000 SKUs x 4 channels
(200,000 promoted prices), with a price history where a fifth of the prices changed in the 30 days
before it and a Black Friday campaign on half the SKUs ended a week before it. Target: under 10 s.

Baselines, same run: the plain effective price computation of the same prices at the campaign's start
(the promotion engine alone, which the review runs anyway), and the naive way, one history query per
price, measured on a sample and extrapolated to every price.

    python bench/bench_reference_price.py [SKUS]    (default 50000; its own database, noel_bench_reference)
"""

from __future__ import annotations

import os
import sys
import time
from datetime import timedelta
from decimal import Decimal

from common import backend_cpu, setup

SKUS = int(sys.argv[1]) if len(sys.argv) > 1 else 50_000
SAMPLE = 500
setup(int(os.environ.get("NOEL_BENCH_PRODUCTS", "60000")), database="noel_bench_reference")

from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from apps.campaigns import selectors, services  # noqa: E402
from apps.campaigns.models import Campaign  # noqa: E402
from apps.core.models import Channel, Role, User  # noqa: E402
from apps.core.services import user_create  # noqa: E402
from apps.pricing.models import Price  # noqa: E402
from apps.products.models import Product  # noqa: E402

figures: dict[str, float] = {}


def measured(name: str, call):
    wall, cpu, db = time.perf_counter(), time.process_time(), backend_cpu()
    result = call()
    figures[name] = time.perf_counter() - wall
    figures[f"{name}_cpu"], figures[f"{name}_db"] = time.process_time() - cpu, backend_cpu() - db
    return result


def shown(name: str) -> str:
    return f"{figures[name]:.1f} s (cpu {figures[name + '_cpu']:.1f}, db {figures[name + '_db']:.1f})"


channels = list(Channel.objects.order_by("code")[:4])
sellable = list(Product.objects.filter(is_model=False).order_by("pk").values_list("pk", "sku")[:SKUS])
SKUS = len(sellable)
now = timezone.now()
start = now + timedelta(days=1)
# Set-up, not measured: every price, a history (60 days old, a fifth changed 10 days before the start),
# a Black Friday campaign on half the SKUs that ended a week before the start.
with transaction.atomic():
    Campaign.objects.filter(code__in=["BENCH-REF", "BENCH-BF"]).delete()
    Price.objects.filter(channel__in=channels).delete()
    Price.objects.bulk_create(
        [
            Price(product_id=p, channel=c, currency_id=c.currency_id, amount=Decimal(10 + p % 50))
            for p, _sku in sellable
            for c in channels
        ],
        batch_size=10_000,
    )
    with connection.cursor() as cursor:
        cursor.execute("UPDATE pricing_priceevent SET pgh_created_at = %s", [now - timedelta(days=60)])
        cursor.execute(
            "UPDATE pricing_price SET amount = amount + 1 WHERE id %% 5 = 0 AND channel_id = ANY(%s)",
            [[c.pk for c in channels]],
        )
        cursor.execute(
            "UPDATE pricing_priceevent SET pgh_created_at = %s WHERE pgh_label = 'changed'",
            [start - timedelta(days=10)],
        )


def person(username: str, role: Role) -> User:
    return User.objects.filter(username=username).first() or user_create(
        username=username, password="bench-only-pw-2026", roles=[role]
    )


marketer = person("bench_marketer", Role.MARKETER)
skus = [sku for _p, sku in sellable]
# a past window cannot be planned through the service: the set-up writes it
bf = Campaign.objects.create(
    code="BENCH-BF", name="Black Friday", starts_at=now - timedelta(days=20),
    ends_at=now - timedelta(days=6), owner=marketer, status=Campaign.Status.ENDED,
)  # fmt: skip
bf.channels.set(channels)
bf.promotions.create(code="BENCH-BF-30", skus=skus[::2], benefit="percentage_off", value=Decimal(30))
campaign = services.campaign_create(
    actor=marketer, code="BENCH-REF", name="Bench", starts_at=start, ends_at=start + timedelta(days=7),
    channels=channels,
)  # fmt: skip
services.promotion_add(
    actor=marketer, campaign=campaign, code="BENCH-REF-20", skus=skus, benefit="percentage_off", value="20"
)
with connection.cursor() as cursor:
    cursor.execute("VACUUM ANALYZE pricing_price, pricing_priceevent")

prices = selectors.base_prices([p for p, _s in sellable], [c.pk for c in channels])
rows = [(p, c, amount) for (p, c), (amount, _cost) in prices.items()]
in_force = selectors.promotions_in_force(start, including=campaign)

resolved = measured("engine", lambda: selectors._resolve(rows, in_force))
promoted = [pair for pair, r in resolved.items() if r.amount < r.base]
references = measured(
    "references",
    lambda: selectors.reference_prices(rows, start, including=campaign, promoted=promoted),
)
impact = measured("review", lambda: selectors.campaign_impact(campaign, now=now, warnings=False))

# The naive way: each price's history read on its own, then the promotions of the 30 days applied to it.
sample = promoted[:: max(1, len(promoted) // SAMPLE)][:SAMPLE]
window = (start - timedelta(days=30), start)


past = selectors._promotions(bf.promotions.all())


def naive() -> None:
    with connection.cursor() as cursor:
        for product_id, channel_id in sample:
            cursor.execute(
                "SELECT e.amount, e.pgh_created_at FROM pricing_priceevent e JOIN pricing_price p "
                "ON p.id = e.pgh_obj_id WHERE p.product_id = %s AND p.channel_id = %s ORDER BY e.pgh_id",
                [product_id, channel_id],
            )
            states = cursor.fetchall()
            lows = [a for i, (a, at) in enumerate(states) if at < window[1] and (
                i + 1 == len(states) or states[i + 1][1] > window[0])]  # fmt: skip
            if lows:
                selectors._resolve([(product_id, channel_id, min(lows))], past)


measured("naive", naive)
naive_all = figures["naive"] / len(sample) * len(promoted)

low = sum(1 for pair, ref in references.items() if ref.amount is not None and prices[pair][0] > ref.amount)
above = sum(1 for f in impact.findings if f.rule == "above_reference")
assert len(references) == len(promoted) == SKUS * len(channels), (len(references), len(promoted))
assert above == low, (above, low)
print(
    f"reference prices of a review, {SKUS} SKUs x {len(channels)} channels = {len(promoted)} promoted "
    f"prices: {shown('references')} (target < 10 s; {above} above their reference, flagged) | whole review "
    f"page's prices and guard rails {shown('review')} | baselines: the plain effective price computation "
    f"of the same prices {shown('engine')}; naive, one history query per price, {figures['naive']:.1f} s "
    f"for {len(sample)} -> {naive_all:.0f} s for all, {naive_all / figures['references']:.0f}x slower"
)
