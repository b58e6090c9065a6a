"""Events: the outbox's cost on a write, webhook deliveries per second, and how soon a stock sale to zero
reaches a receiver, each beside its baseline from the same run. Loopback receivers only.

    python bench/bench_events.py [WRITES] [DELIVERIES]     (defaults 200 and 1000)

- write overhead: WRITES one-line stock updates (one transaction each), publishing through the outbox,
  against the same writes with the in-memory after-commit hook it replaced;
- sale to zero: POST /stock/batch setting a product to 0 until its signed `availability.changed`
  reaches a loopback receiver, dispatch after commit in the process (p50/p95), against the POST alone;
- delivery rate: DELIVERIES pending messages sent by `deliveries_send`, against bare HTTP POSTs of the same
  bodies to the same receiver one after another.
"""

from __future__ import annotations

import statistics
import sys
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from common import setup

WRITES = int(sys.argv[1]) if len(sys.argv) > 1 else 200
DELIVERIES = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
setup(2000, database="noel_bench_events")

from django.conf import settings  # noqa: E402
from django.db import transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from apps.core import events  # noqa: E402
from apps.core.models import (  # noqa: E402
    Channel,
    Role,
    User,
)
from apps.core.services import api_token_create, user_create  # noqa: E402
from apps.events import services  # noqa: E402
from apps.events.models import ChangeEvent, Delivery, WebhookEndpoint  # noqa: E402
from apps.inventory import services as stock_services  # noqa: E402
from apps.inventory.models import StockLocation  # noqa: E402
from apps.products.models import Product  # noqa: E402

settings.NOEL_WEBHOOK_ALLOW_PRIVATE = True
settings.CELERY_TASK_ALWAYS_EAGER = True  # the dispatcher queued after commit runs in this process
# Noel's own reactions (feeds marked, quality checks queued) are the same with and without the outbox:
# switched off, so that the figures are the outbox's and the webhooks' alone
events._subscribers.clear()

arrived: dict[str, float] = {}
count = {"n": 0}


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        count["n"] += 1
        sold_out = b'"in_stock":false' in body and b'"channel":"web"' in body
        if b'"availability.changed"' in body and sold_out:
            sku = body.split(b'"sku":"', 1)[1].split(b'"', 1)[0].decode()
            arrived.setdefault(sku, time.perf_counter())
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
threading.Thread(target=server.serve_forever, daemon=True).start()
url = f"http://127.0.0.1:{server.server_address[1]}/hooks"

# start clean: no endpoint, nothing waiting
WebhookEndpoint.objects.all().delete()
services.outbox_dispatch(limit=100_000)
location, _ = StockLocation.objects.get_or_create(
    code="WH-EVENTS", defaults={"name": "events", "kind": "warehouse"}
)
location.channels.set(Channel.objects.filter(code="web"))
skus = list(
    Product.objects.filter(is_model=False).order_by("pk").values_list("sku", flat=True)[: WRITES + 100]
)


def one_write(sku: str, quantity: int) -> float:
    started = time.perf_counter()
    stock_services.stock_apply_batch(
        actor=None, lines=[stock_services.StockLine(sku, "WH-EVENTS", quantity=quantity)]
    )
    return time.perf_counter() - started


# --- write overhead -------------------------------------------------------------------------------------
settings.NOEL_EVENTS_DISPATCH_ON_COMMIT = False
real_publish = events.publish


def in_memory_publish(event, *, using=None):  # what publish() was before the outbox
    transaction.on_commit(lambda: events._deliver(event), using=using)


for sku in skus[:20]:
    one_write(sku, 3)  # warm up
rounds = {"outbox": [], "in-memory": []}
for n, sku in enumerate(skus[:WRITES]):
    for mode in ("outbox", "in-memory") if n % 2 else ("in-memory", "outbox"):
        events.publish = real_publish if mode == "outbox" else in_memory_publish
        rounds[mode].append(one_write(sku, 5 + n % 7 + (mode == "outbox")))
events.publish = real_publish
with_outbox, without = (statistics.median(rounds[m]) * 1000 for m in ("outbox", "in-memory"))
print(
    f"write overhead, {WRITES} one-line stock updates each way: with outbox {with_outbox:.2f} ms median | "
    f"baseline in-memory hook {without:.2f} ms -> +{with_outbox - without:.2f} ms "
    f"({(with_outbox / without - 1) * 100:+.0f} %)"
)
services.outbox_dispatch(limit=100_000)

# --- sale to zero through the API -----------------------------------------------------------------------
user = User.objects.filter(username="bench-erp").first() or user_create(
    username="bench-erp", password="x-bench-9", roles=[Role.INTEGRATOR]
)
raw = api_token_create(actor=None, user=user, name="bench", scopes=["read", "write"], channels=None)[1]
client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
endpoint = services.endpoint_create(actor=None, name="bench", url=url, event_types=["availability.changed"])
settings.NOEL_EVENTS_DISPATCH_ON_COMMIT = True
sale_skus = skus[WRITES : WRITES + 40]
for sku in sale_skus:
    one_write(sku, 1)
services.outbox_dispatch(limit=100_000)
services.deliveries_send()
arrived.clear()


def sell_out(sku: str) -> float:
    started = time.perf_counter()
    answer = client.post(
        "/api/v1/stock/batch",
        {"lines": [{"sku": sku, "location": "WH-EVENTS", "quantity": 0}]},
        content_type="application/json",
    )
    assert answer.status_code == 200, answer.content
    return started


latencies, posts = [], []
for n, sku in enumerate(sale_skus):
    if n % 2:  # baseline: the same sale, announced by the periodic dispatcher only
        settings.NOEL_EVENTS_DISPATCH_ON_COMMIT = False
        started = sell_out(sku)
        posts.append(time.perf_counter() - started)
        settings.NOEL_EVENTS_DISPATCH_ON_COMMIT = True
        continue
    started = sell_out(sku)
    deadline = started + 10
    while sku not in arrived and time.perf_counter() < deadline:
        time.sleep(0.001)
    assert sku in arrived, f"{sku}: no message within 10 s"
    latencies.append(arrived[sku] - started)
p = statistics.quantiles(latencies, n=20)
b = statistics.quantiles(posts, n=20)
print(
    f"sale to zero -> receiver, {len(latencies)} sales: p50 {statistics.median(latencies) * 1000:.0f} ms, "
    f"p95 {p[18] * 1000:.0f} ms | baseline the same POST without dispatch after commit: "
    f"p50 {statistics.median(posts) * 1000:.0f} ms, p95 {b[18] * 1000:.0f} ms"
)
services.outbox_dispatch(limit=100_000)
settings.NOEL_EVENTS_DISPATCH_ON_COMMIT = False

# --- delivery rate --------------------------------------------------------------------------------------
WebhookEndpoint.objects.filter(pk=endpoint.pk).update(event_types=[])
now = timezone.now()
ids = list(Product.objects.filter(is_model=False).order_by("-pk").values_list("pk", flat=True)[:DELIVERIES])
entries = [
    ChangeEvent(
        type="product.changed",
        product_id=pk,
        sku=f"P{pk}",
        subject=f"product:{pk}",
        occurred_at=now,
        outbox_id=0,
    )
    for pk in ids
]
with transaction.atomic():
    ChangeEvent.objects.bulk_create(entries)
    services._plan(entries, WebhookEndpoint.objects.filter(pk=endpoint.pk))
pending = Delivery.objects.filter(endpoint=endpoint, status="pending").count()
before = count["n"]
started = time.perf_counter()
services.deliveries_send(limit=200)
sent_in = time.perf_counter() - started
sent = count["n"] - before
bodies = list(
    Delivery.objects.filter(endpoint=endpoint, type="product.changed").values_list("body", flat=True)[
        :DELIVERIES
    ]
)
started = time.perf_counter()
for body in bodies:
    request = urllib.request.Request(url, data=body.encode(), headers={"content-type": "application/json"})
    urllib.request.urlopen(request, timeout=5).read()
bare = time.perf_counter() - started
print(
    f"deliveries, {pending} pending: noel {sent / sent_in:,.0f} deliveries/s "
    f"({sent} sent in {sent_in:.2f} s, "
    f"signed, logged, {settings.NOEL_WEBHOOK_CONCURRENCY} at once) | baseline bare sequential POSTs "
    f"{len(bodies) / bare:,.0f}/s"
)

server.shutdown()
