"""Precision and recall of the swapped-description rule on crafted swaps: in samples of the bench catalog
(one check batch each), pairs of products whose descriptions differ exchange them, and the rule's method
must name exactly the products whose description is not theirs. With the optional `[ai]` extra
(a sentence-embedding model) importable, its method is measured on the same swaps.

    python bench/bench_swaps.py [PRODUCTS]
"""

from __future__ import annotations

import random
import sys
import time

from common import setup

PRODUCTS = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
BATCH, SWAPS, ROUNDS = 2000, 40, 5
setup(PRODUCTS, database="noel_bench_quality")

from django.utils import timezone  # noqa: E402

from apps.products.models import Product  # noqa: E402
from apps.quality import similarity  # noqa: E402
from apps.quality.registry import Batch, CheckContext  # noqa: E402
from apps.quality.rules.text import Labels, description_of, profile  # noqa: E402

rng = random.Random(16)
ctx = CheckContext(at=timezone.now())
ids = list(Product.objects.order_by("pk").values_list("pk", flat=True))
hits = flagged = swapped = 0
elapsed = 0.0
for _round in range(ROUNDS):
    start = rng.randrange(0, max(1, len(ids) - BATCH))
    batch = Batch(ctx, ids[start : start + BATCH])
    labels = Labels.of(ctx)
    rows = [(pid, description_of(batch.products[pid]["values"], "fr_FR")[1]) for pid in batch.ids]
    rows = [(pid, text) for pid, text in rows if text]
    profiles = [profile(batch, pid, "fr_FR", labels) for pid, _t in rows]
    texts = [text for _pid, text in rows]
    truth: set[int] = set()
    while len(truth) < 2 * SWAPS:
        i, j = rng.randrange(len(rows)), rng.randrange(len(rows))
        if i == j or i in truth or j in truth or texts[i] == texts[j]:
            continue
        texts[i], texts[j] = texts[j], texts[i]
        truth |= {i, j}
    started = time.perf_counter()
    found = {m.index for m in similarity.mismatches(profiles, texts)}
    elapsed += time.perf_counter() - started
    hits += len(found & truth)
    flagged += len(found)
    swapped += len(truth)
precision = hits / flagged if flagged else 0.0
recall = hits / swapped
print(
    f"swapped descriptions, char n-gram TF-IDF: precision {precision:.1%}, recall {recall:.1%} "
    f"({swapped} swapped of {ROUNDS * BATCH} products, {flagged} flagged, {elapsed:.1f} s); "
    f"baseline (flag at random as many): precision {swapped / (ROUNDS * BATCH):.1%}"
)
