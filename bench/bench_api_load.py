"""API under load: gunicorn (2 sync workers) on the 100,000-product bench database, driven by wrk
(Debian's package) over loopback for 10 s per URL, 20 connections. The baseline is /healthz on the same
server: the cost of a request that does (almost) nothing.

    python bench/bench_api_load.py        (needs `apt-get install wrk`)
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.request

from common import ROOT, setup

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
env = {
    **os.environ,
    "DEBUG": "false",
    "NOEL_API_RATE": "1000000/m",
    "DJANGO_SETTINGS_MODULE": "config.settings.local",
}
server = subprocess.Popen(
    [
        sys.executable,
        "-m",
        "gunicorn",
        "config.wsgi",
        "-w",
        "2",
        "-b",
        f"127.0.0.1:{port}",
        "--log-level",
        "warning",
    ],
    cwd=ROOT,
    env=env,
)
try:
    for _ in range(50):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
            break
        except OSError:
            time.sleep(0.2)

    def load(path: str) -> str:
        out = subprocess.run(
            [
                "wrk",
                "-t2",
                "-c20",
                "-d10s",
                "--latency",
                "-H",
                f"Authorization: Bearer {raw}",
                f"http://127.0.0.1:{port}{path}",
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
        p90 = re.search(r"90%\s+([\d.]+\w+)", out).group(1)
        p99 = re.search(r"99%\s+([\d.]+\w+)", out).group(1)
        errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
        return f"{rate:,.0f} req/s, p90 {p90}, p99 {p99}" + (f", {errors.group(1)} errors" if errors else "")

    baseline = load("/healthz")
    head = "api load, gunicorn 2 workers, wrk 20 connections:"
    print(f"{head} list/50 {load('/api/v1/products?limit=50')} | baseline /healthz {baseline}")
    print(f"{head} detail {load(f'/api/v1/products/{sku}')} | baseline /healthz {baseline}")
finally:
    server.send_signal(signal.SIGTERM)
    server.wait(timeout=20)
