"""The admin home of an administrator (every panel: channels, campaigns with readiness, queues, charts) and
a campaign's readiness page, on the demo catalog with 28 days of sales. Baseline, same run: the campaign's
guard rails (campaign_impact with warnings), which scan the same products over the same channels.

    python bench/bench_dashboard.py [PRODUCTS]    (default 2000: the demo prices and campaigns only
                                                   catalogs up to 5,000 products; the other benchmarks
                                                   bring their own)
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from datetime import timedelta

from common import own_peak_mb, peak_from_now, setup

PRODUCTS = int(sys.argv[1]) if len(sys.argv) > 1 else 2_000
setup(PRODUCTS, "noel_bench_dashboard")

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from apps.campaigns import selectors  # noqa: E402
from apps.campaigns.models import Campaign  # noqa: E402
from apps.core.models import User  # noqa: E402
from apps.inventory.models import StockLevel, StockMovement  # noqa: E402
from apps.products.services import completeness_snapshot_take  # noqa: E402

now = timezone.now()
if not StockMovement.objects.filter(created_at__lt=now - timedelta(days=1)).exists():  # set-up data
    levels = list(StockLevel.objects.filter(on_hand__gt=0).values_list("pk", "on_hand")[:20_000])
    movements = [
        StockMovement(level_id=pk, on_hand_before=on_hand, on_hand_after=max(0, on_hand - 1 - (pk + day) % 3),
                      reserved_before=0, reserved_after=0, source="bench")
        for day in range(1, 29) for pk, on_hand in levels if (pk + day) % 4 == 0
    ]  # fmt: skip
    StockMovement.objects.bulk_create(movements, batch_size=10_000)
    for day in range(1, 29):  # auto_now_add stamped them now: spread them over the last 28 days
        StockMovement.objects.filter(source="bench", pk__in=[m.pk for m in movements[day - 1 :: 28]]).update(
            created_at=now - timedelta(days=day)
        )
completeness_snapshot_take()
held = peak_from_now()  # the figures below are for the pages, not for the set-up before them
campaign = Campaign.objects.get(code="NOEL")
admin = User.objects.get(username="admin")
client = Client()
client.force_login(admin)


def timed(call, runs: int = 5) -> tuple[float, float, int]:
    """Median wall seconds, median CPU seconds of this process, and the queries of the last run."""
    walls, cpus = [], []
    for _ in range(runs):
        cpu, wall = time.process_time(), time.perf_counter()
        with CaptureQueriesContext(connection) as queries:
            call()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return statistics.median(walls), statistics.median(cpus), len(queries)


def get(url: str) -> None:
    assert client.get(url).status_code == 200


home = timed(lambda: get("/admin/"))
page = timed(lambda: get(f"/admin/campaigns/campaign/{campaign.pk}/readiness/"))
readiness = selectors.campaign_readiness(campaign, now=now)
baseline = timed(lambda: selectors.campaign_impact(campaign, now=now))
load = os.getloadavg()[0]
peak = own_peak_mb()


def figure(label: str, measured: tuple[float, float, int]) -> str:
    wall, cpu, queries = measured
    return f"{label} {wall * 1000:.0f} ms ({cpu * 1000:.0f} ms CPU, {queries} queries)"


print(
    f"dashboard, {PRODUCTS} products, campaign {campaign.code} on {len(readiness.products)} products x "
    f"{len(readiness.channels)} channels: {figure('admin home', home)}, {figure('readiness page', page)} "
    f"| baseline: {figure('guard rails of the same campaign', baseline)} -> home "
    f"{home[0] / baseline[0]:.2f}x the guard rails | load {load:.1f} on {os.cpu_count()} cores, "
    f"peak {peak:.0f} MB (held {held:.0f} MB before the pages)"
)
