"""Google Merchant feed of the 100,000-product bench catalog: Noel's chunked build (the service calls the
Celery tasks make, the chunks shared by 2 processes as by 2 workers, and in one process) against a naive
per-product ORM loop that builds the same items (same validation and rendering, a query per product for
its parents, price, stock, completeness and pictures), timed on 2,000 of them. Peak memory is measured
in separate processes at 10,000 and 100,000 items.

    python bench/bench_feed.py          (targets: ≥ 5,000 items/s; peak memory the same ±20 %)
"""

from __future__ import annotations

import json
import multiprocessing
import os
import resource
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor

from common import own_peak_mb, setup

os.environ.setdefault("MEDIA_ROOT", tempfile.mkdtemp(prefix="noel-bench-media-"))
setup(100_000, database="noel_bench_feeds")

from decimal import Decimal  # noqa: E402

from django.conf import settings  # noqa: E402
from django.db import connections  # noqa: E402
from django.db.models import Sum  # noqa: E402
from django.utils import timezone  # noqa: E402

from apps.assets.selectors import feed_images  # noqa: E402
from apps.channels import formats, selectors, services  # noqa: E402
from apps.channels.models import Feed, FeedRun  # noqa: E402
from apps.core.models import Channel  # noqa: E402
from apps.inventory.models import StockLevel  # noqa: E402
from apps.pricing.models import Price  # noqa: E402
from apps.pricing.selectors import ChannelPrice  # noqa: E402
from apps.products.models import Completeness, Product  # noqa: E402
from apps.products.values import merge  # noqa: E402

google = Channel.objects.get(code="google")


def prepare() -> Feed:
    """Set-up, not measured: every sellable product approved and priced on Google."""
    Product.objects.filter(is_model=False).exclude(status="approved").update(status="approved")
    if not Price.objects.filter(channel=google).exists():
        Price.objects.bulk_create(
            [
                Price(product_id=pk, channel=google, currency_id="EUR", amount=Decimal(10 + pk % 50))
                for pk in Product.objects.filter(is_model=False).values_list("pk", flat=True)
            ],
            batch_size=10_000,
        )
    feed, _created = Feed.objects.get_or_create(
        channel=google, name="bench", defaults={"format": Feed.Format.GOOGLE, "locale_id": "fr_FR"}
    )
    return feed


def _chunk(args: tuple[int, int, int, int]) -> dict[str, int]:
    return services.feed_chunk_build(*args)


def build(feed: Feed, limit: int | None, workers: int) -> FeedRun:
    """What the chord does with `workers` workers: the chunks in parallel processes, then the merge."""
    bounds = selectors.chunk_bounds(feed)
    if limit is not None:
        bounds = bounds[: max(1, limit // settings.NOEL_FEED_CHUNK)]
    run = FeedRun.objects.create(feed=feed, at=timezone.now(), chunks=len(bounds))
    jobs = [(run.pk, n, low, high) for n, (low, high) in enumerate(bounds)]
    if workers == 1:
        results = [_chunk(job) for job in jobs]
    else:
        connections.close_all()  # each worker process opens its own connection
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
            results = list(pool.map(_chunk, jobs))
    return services.feed_build_finish(run.pk, results)


def child(limit: int, workers: int) -> None:
    feed = Feed.objects.get(channel=google, name="bench")
    started = time.perf_counter()
    run = build(feed, limit, workers)
    seconds = time.perf_counter() - started
    usage = [resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)]
    peak = max(own_peak_mb(), usage[1].ru_maxrss / 1024)  # the pool's workers are forked, not exec'd
    cpu = sum(u.ru_utime + u.ru_stime for u in usage)  # Python's CPU only: PostgreSQL's is not counted
    print(
        json.dumps(
            {
                "items": run.items,
                "published": run.published,
                "seconds": seconds,
                "cpu": cpu,
                "rss_mb": peak,
            }
        )
    )


def naive(feed: Feed, count: int) -> float:
    """A per-product ORM loop producing the same entries, for `count` products; returns items/s."""
    ctx = selectors.build_context(feed, timezone.now())
    fmt = formats.FORMATS[feed.format]
    started = time.perf_counter()
    out = []
    for product in selectors.eligible_products(feed).order_by("pk")[:count]:
        values, parent = {}, product.parent
        chain = []
        while parent is not None:
            chain.append(parent)
            parent = parent.parent
        for ancestor in reversed(chain):
            values = merge(values, ancestor.values)
        values = merge(values, product.values)
        price = Price.objects.filter(product=product, channel=google).first()
        stock = (
            StockLevel.objects.filter(product=product, location__channels=google).aggregate(n=Sum("on_hand"))[
                "n"
            ]
            or 0
        )
        stored = Completeness.objects.filter(product=product).first()
        completeness = stored.score(google.code, "fr_FR") if stored else None
        pictures = feed_images([product.pk], google, ctx.at).get(product.pk, [])
        item = selectors.Item(
            product_id=product.pk, sku=product.sku, gtin=product.gtin or "",
            group=chain[-1].sku if chain else "", values=values, categories=product.categories,
            complete=bool(completeness and completeness.ratio == 100),
            missing=completeness.missing if completeness else [],
            price=ChannelPrice("EUR", price.amount, price.amount, None, "", None, None) if price else None,
            available=stock,
            images=selectors._images(pictures, values, ctx),
        )  # fmt: skip
        for entry in fmt.entries(item, ctx):
            if not fmt.check(entry, item, ctx.at):
                out.append(fmt.render(entry, item))
    return count / (time.perf_counter() - started)


if len(sys.argv) > 3 and sys.argv[1] == "--child":
    child(int(sys.argv[2]), int(sys.argv[3]))
    sys.exit(0)

feed = prepare()


def measure(limit: int, workers: int) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--child", str(limit), str(workers)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


small = measure(10_000, 2)
large = measure(100_000, 2)
single = measure(100_000, 1)
rate = large["items"] / large["seconds"]
baseline = naive(feed, 2000)
print(
    f"feed build google_rss: {large['items']:,} items in {large['seconds']:.1f} s = {rate:,.0f} items/s "
    f"with 2 workers ({single['items'] / single['seconds']:,.0f} items/s in one process; "
    f"{large['published']:,} published) | baseline naive ORM loop {baseline:,.0f} items/s "
    f"(2,000 items) → {rate / baseline:.1f}× | peak RSS {small['rss_mb']:.0f} MB at {small['items']:,} "
    f"items, {large['rss_mb']:.0f} MB at {large['items']:,} items "
    f"({large['rss_mb'] / small['rss_mb'] - 1:+.0%}) | {large['items'] / large['cpu']:,.0f} items per Python "
    f"CPU-second | load {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
)
