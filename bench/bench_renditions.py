"""Renditions of 3000×3000 JPEGs (1200×1200 JPEG, Google's spec) made by 2 Celery worker processes
through the broker, storage and database, against Pillow's bare thumbnail of the same files in 2
processes, in the same run.

    BENCH_RENDITIONS=200 python bench/bench_renditions.py [N]     (default 1000; target ≥ 0.8× the baseline)

The files are distinct (each its own SHA-256) but share one drawing: a comment segment makes them
differ, so the set-up does not spend minutes encoding 1,000 large pictures.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
import time
from multiprocessing import Pool

from common import ROOT, setup

N = int(sys.argv[1]) if len(sys.argv) > 1 else int(os.environ.get("BENCH_RENDITIONS", "1000"))
CHUNK = 10  # assets per task: few enough to share evenly between two workers
MEDIA = ROOT / "var" / "bench-media"
shutil.rmtree(MEDIA, ignore_errors=True)
MEDIA.mkdir(parents=True)
os.environ["MEDIA_ROOT"] = str(MEDIA)
setup(0, database="noel_bench_renditions")  # no catalog needed: a database of its own

from django.conf import settings  # noqa: E402
from django.core.files.storage import default_storage  # noqa: E402
from PIL import Image, ImageDraw  # noqa: E402

from apps.assets import tasks  # noqa: E402
from apps.assets.models import Asset, Rendition, RenditionSpec  # noqa: E402
from config.celery import app as celery_app  # noqa: E402


def base_picture() -> bytes:
    img = Image.new("RGB", (3000, 3000), "#1e8449")
    pen = ImageDraw.Draw(img)
    for n in range(0, 3000, 150):
        pen.ellipse((n, n, n + 900, n + 600), fill=(n % 256, 120, 255 - n % 256))
    out = io.BytesIO()
    img.save(out, "JPEG", quality=90)
    return out.getvalue()


def variant(base: bytes, n: int) -> bytes:
    comment = f"noel bench {n}".encode()
    return base[:2] + b"\xff\xfe" + (len(comment) + 2).to_bytes(2, "big") + comment + base[2:]


def bare_thumbnail(path: str) -> int:
    """The baseline: open, thumbnail (Pillow's quickest resize, JPEG draft included), encode."""
    with Image.open(path) as img:
        img.thumbnail((1200, 1200), Image.Resampling.LANCZOS)
        out = io.BytesIO()
        img.save(out, "JPEG", quality=85)
    return len(out.getvalue())


# set-up, not measured: N distinct 3000×3000 JPEGs in storage, one asset each --------------------------
Rendition.objects.filter(spec__code="bench_google").delete()
Asset.objects.filter(tags__contains=["bench"]).delete()
spec, _ = RenditionSpec.objects.update_or_create(
    code="bench_google",
    defaults={"width": 1200, "height": 1200, "format": "JPEG", "fit": "contain", "quality": 85},
)
base = base_picture()
assets = []
for n in range(N):
    data = variant(base, n)
    asset = Asset(original_name=f"bench_{n}.jpg", kind="image", mime_type="image/jpeg", size=len(data),
                  width=3000, height=3000, tags=["bench"])  # fmt: skip
    asset.sha256 = __import__("hashlib").sha256(data).hexdigest()
    asset.file.save(asset.original_name, io.BytesIO(data), save=False)
    assets.append(asset)
Asset.objects.bulk_create(assets, batch_size=500)
ids = list(Asset.objects.filter(tags__contains=["bench"]).order_by("pk").values_list("pk", flat=True))
paths = [default_storage.path(a.file.name) for a in assets]
print(f"{N} pictures of 3000×3000 ({len(base) / 1e6:.1f} MB each) ready")

# Noel: 2 worker processes, through the broker ------------------------------------------------------------
queue = f"bench-{os.getpid()}"
worker = subprocess.Popen(
    [sys.executable, "-m", "celery", "-A", "config", "worker", "--concurrency", "2", "-Q", queue,
     "--loglevel", "WARNING", "--prefetch-multiplier", "1"],
    cwd=ROOT, env={**os.environ, "DATABASE_URL": os.environ["DATABASE_URL"]},
)  # fmt: skip
try:
    celery_app.conf.task_always_eager = False
    tasks.renditions_generate.apply_async(args=[[], [spec.pk]], queue=queue).get(timeout=120)  # warm up
    started = time.perf_counter()
    results = [
        tasks.renditions_generate.apply_async(args=[ids[i : i + CHUNK], [spec.pk]], queue=queue)
        for i in range(0, len(ids), CHUNK)
    ]
    made = sum(r.get(timeout=3600) for r in results)
    noel = time.perf_counter() - started
finally:
    worker.terminate()
    worker.wait(timeout=60)
assert made == N == Rendition.objects.filter(spec=spec).count(), (made, N)

# baseline: Pillow's bare thumbnail of the same files, 2 processes -----------------------------------------
started = time.perf_counter()
with Pool(2) as pool:
    pool.map(bare_thumbnail, paths, chunksize=CHUNK)
bare = time.perf_counter() - started

print(
    f"renditions: {N / noel:.1f}/s with 2 Celery workers (storage, database, audit included) vs "
    f"Pillow's bare thumbnail {N / bare:.1f}/s in 2 processes: {bare / noel:.2f}× (target ≥ 0.8×); "
    f"broker {settings.CELERY_BROKER_URL.split('://', 1)[0]}"
)
Rendition.objects.filter(spec=spec).delete()
Asset.objects.filter(tags__contains=["bench"]).delete()
spec.delete()
shutil.rmtree(MEDIA, ignore_errors=True)
