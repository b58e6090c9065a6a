"""A campaign on 50,000 SKUs over 4 channels switched on at its start: guard rails again, status and
every effective price it touches (recomputed, feeds marked dirty) in one transaction. Baseline, same
run: recomputing every price of the catalog from scratch (100,000 products x 4 channels) with the
campaign live.

The shared server runs with autovacuum off, so every phase starts by vacuuming the price tables (not
timed), as autovacuum leaves them in production; without it each run measured the dead rows of the runs
before it (780,000 dead rows behind 30,000 prices made marking and recomputing them twice as slow).
Each figure is wall time, then the CPU seconds of this process and of its PostgreSQL backend (read from
/proc when the server runs on this machine), and the load average: on a shared machine, wall time alone
says little.

    NOEL_BENCH_DB=noel_bench python bench/bench_campaign.py [SKUS]    (default 50000; target < 60 s)
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from decimal import Decimal

from common import backend_cpu, setup

SKUS = int(sys.argv[1]) if len(sys.argv) > 1 else 50_000
setup(100_000)

import time_machine  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from apps.campaigns import services  # noqa: E402
from apps.campaigns.models import Campaign  # noqa: E402
from apps.channels.models import Feed  # noqa: E402
from apps.core.models import (  # noqa: E402
    Channel,
    Role,
    User,
)
from apps.core.services import user_create  # noqa: E402
from apps.pricing.models import EffectivePrice, Price  # noqa: E402
from apps.pricing.services import effective_prices_mark_dirty, effective_prices_recompute  # noqa: E402
from apps.products.models import Product  # noqa: E402


def vacuumed() -> None:
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE pricing_effectiveprice, pricing_price")


figures: dict[str, str] = {}


@contextmanager
def measured(name: str) -> Iterator[None]:
    vacuumed()
    wall, cpu, db = time.perf_counter(), time.process_time(), backend_cpu()
    yield
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    db = backend_cpu() - db
    figures[name] = f"{wall:.1f} s (cpu {cpu:.1f}, db {db:.1f}; load {os.getloadavg()[0]:.1f})"
    figures[f"{name}_s"] = f"{wall}"


channels = list(Channel.objects.order_by("code")[:4])
sellable = list(Product.objects.filter(is_model=False).order_by("pk").values_list("pk", "sku"))
if Price.objects.count() < len(sellable) * len(channels):  # set-up data, not what is measured
    Price.objects.all().delete()
    Price.objects.bulk_create(
        [
            Price(product_id=p, channel=c, currency_id=c.currency_id, amount=Decimal(10 + p % 50))
            for p, _sku in sellable
            for c in channels
        ],
        batch_size=10_000,
    )
every_pair = [(p, c.pk) for p, _sku in sellable for c in channels]
with transaction.atomic():
    EffectivePrice.objects.all().delete()
    effective_prices_mark_dirty(every_pair)
effective_prices_recompute()
Campaign.objects.filter(code="BENCH").delete()


def person(username: str, role: Role) -> User:
    return User.objects.filter(username=username).first() or user_create(
        username=username, password="bench-only-pw-2026", roles=[role]
    )


marketer, approver = person("bench_marketer", Role.MARKETER), person("bench_approver", Role.APPROVER)
start = timezone.now() + timedelta(hours=1)
skus = [sku for _p, sku in sellable[:SKUS]]
campaign = services.campaign_create(
    actor=marketer, code="BENCH", name="Bench", starts_at=start, ends_at=start + timedelta(days=7),
    channels=channels,
)  # fmt: skip
services.promotion_add(
    actor=marketer, campaign=campaign, code="BENCH-20", skus=skus, benefit="percentage_off", value="20"
)
with measured("submit"):
    impact = services.campaign_submit(actor=marketer, campaign=campaign)
services.campaign_approve(actor=approver, campaign=campaign)

feeds = Feed.objects.filter(channel__in=channels, is_active=True)
feeds.update(dirty=False)  # as if just built: the start must mark them
with time_machine.travel(start + timedelta(seconds=5), tick=True):
    with measured("start"):
        services.campaigns_tick()
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.LIVE, campaign.rejection_comment
    switched = EffectivePrice.objects.filter(promotion="BENCH-20", dirty=False).count()
    assert switched == SKUS * len(channels), switched
    assert feeds.exists() and not feeds.filter(dirty=False).exists()

    with measured("scratch"), transaction.atomic():
        effective_prices_mark_dirty(every_pair)
        effective_prices_recompute()

with time_machine.travel(start + timedelta(days=7, seconds=5), tick=True), measured("end"):
    services.campaigns_tick()
with connection.cursor() as cursor:
    cursor.execute("SELECT count(*) FROM pricing_effectiveprice WHERE promotion <> ''")
    assert cursor.fetchone()[0] == 0

rows = SKUS * len(channels)
switch_s, scratch_s = float(figures["start_s"]), float(figures["scratch_s"])
print(
    f"campaign switch, {SKUS} SKUs x {len(channels)} channels = {rows} prices: start {figures['start']} "
    f"(guard rails + its prices recomputed + feeds marked, one transaction; target < 60 s), "
    f"end {figures['end']}, "
    f"guard rails at submission {figures['submit']} ({len(impact.warnings)} warnings) | baseline: every "
    f"price from scratch ({len(every_pair)} prices) {figures['scratch']} "
    f"-> start {scratch_s / switch_s:.1f}x faster"
)
