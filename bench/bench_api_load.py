"""API under load: gunicorn (2 sync workers) on the 100,000-product bench database, driven by wrk
(Debian's package) over loopback for 10 s per URL, 20 connections. The baseline is /healthz on the same
server: the cost of a request that does (almost) nothing.

    python bench/bench_api_load.py        (needs `apt-get install wrk`)
"""

from __future__ import annotations

import shutil
import sys

from common import gunicorn, setup, wrk

setup(100_000)

from apps.core.models import User  # noqa: E402
from apps.core.services import api_token_create  # noqa: E402
from apps.products.models import Product  # noqa: E402

if not shutil.which("wrk"):
    print("bench_api_load: wrk is not installed (apt-get install wrk); nothing measured")
    sys.exit(0)

raw = api_token_create(
    actor=None, user=User.objects.filter(is_superuser=True).first(), name="load", scopes=["read"]
)[1]
sku = Product.objects.order_by("sku").values_list("sku", flat=True)[5000]
port = 8765
base = f"http://127.0.0.1:{port}"
with gunicorn(port, NOEL_API_RATE="1000000/m"):
    auth = f"Authorization: Bearer {raw}"
    baseline = wrk(f"{base}/healthz")
    listed = wrk(f"{base}/api/v1/products?limit=50", auth)
    detail = wrk(f"{base}/api/v1/products/{sku}", auth)
head = "api load, gunicorn 2 workers, wrk 20 connections:"
print(f"{head} list/50 {listed} | baseline /healthz {baseline}")
print(f"{head} detail {detail} | baseline /healthz {baseline}")
