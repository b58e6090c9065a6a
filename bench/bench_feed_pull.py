"""Channels polling an unchanged feed: gunicorn (2 sync workers) answering `If-None-Match` with 304,
driven by wrk over loopback at 50 connections for 10 s; then full downloads (gzip) of the same feed.
The baseline is /healthz on the same server.

    python bench/bench_feed_pull.py     (needs `apt-get install wrk`; target ≥ 1,000 req/s, p99 < 50 ms)
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile

from common import gunicorn, setup, wrk

os.environ.setdefault("MEDIA_ROOT", tempfile.mkdtemp(prefix="noel-bench-media-"))
setup(100_000, database="noel_bench_feeds")

from django.conf import settings  # noqa: E402
from django.core.files.storage import default_storage  # noqa: E402

from apps.channels import services  # noqa: E402
from apps.channels.models import Feed  # noqa: E402
from apps.core.models import Channel  # noqa: E402

if not shutil.which("wrk"):
    print("bench_feed_pull: wrk is not installed (apt-get install wrk); nothing measured")
    sys.exit(0)

google = Channel.objects.get(code="google")
feed, _created = Feed.objects.get_or_create(
    channel=google,
    name="pull",
    defaults={"format": Feed.Format.GOOGLE, "locale_id": "fr_FR", "category_root": "toys"},
)
settings.CELERY_TASK_ALWAYS_EAGER = True
run = services.feed_build_start(actor=None, feed=feed)
token = services.pull_token_create(actor=None, channel=google)
packed = default_storage.size(f"{run.file}.gz")
port = 8766
url = f"http://127.0.0.1:{port}/feeds/google/{feed.file_name}"
with gunicorn(port, MEDIA_ROOT=os.environ["MEDIA_ROOT"]):
    auth = f"Authorization: Bearer {token}"
    baseline = wrk(f"http://127.0.0.1:{port}/healthz", connections=50)
    unchanged = wrk(url, auth, f'If-None-Match: "{run.checksum}"', connections=50)
    full = wrk(url, auth, "Accept-Encoding: gzip", connections=50)
print(
    f"feed pull, gunicorn 2 workers, wrk 50 connections: unchanged (304) {unchanged} | "
    f"full download, gzip ({packed:,} bytes for {run.size:,}, {run.published:,} items) {full} | "
    f"baseline /healthz {baseline}"
)
