"""Precision and recall of the swapped-description rule on crafted swaps: in samples of the bench catalog
(one check batch each), pairs of products whose descriptions differ exchange them, and a method must name
exactly the products whose description is not theirs. Flagging as many products at random is the
baseline. Every method importable is measured on the same swaps: the lexical one always, the sentence
embedding of the `[ai]` extra when installed.

    python bench/bench_swaps.py [PRODUCTS] [--dump FILE]    (crafts the swaps from the bench catalog)
    python bench/bench_swaps.py --cases FILE                (the same swaps, without Django or a database:
                                                             for a separate venv holding the [ai] extra)
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

BATCH, SWAPS, ROUNDS, LOCALE = 2000, 40, 5, "fr_FR"


def craft(products: int) -> list[dict]:
    from common import setup

    setup(products, database="noel_bench_quality")
    from django.utils import timezone

    from apps.products.models import Product
    from apps.quality.registry import Batch, CheckContext
    from apps.quality.rules.text import Labels, description_of, profile

    rng = random.Random(16)
    ctx = CheckContext(at=timezone.now())
    ids = list(Product.objects.order_by("pk").values_list("pk", flat=True))
    cases = []
    for _round in range(ROUNDS):
        start = rng.randrange(0, max(1, len(ids) - BATCH))
        batch = Batch(ctx, ids[start : start + BATCH])
        rows = [(pid, description_of(batch.products[pid]["values"], LOCALE)[1]) for pid in batch.ids]
        rows = [(pid, text) for pid, text in rows if text]
        profiles = [profile(batch, pid, LOCALE, Labels.of(ctx)) for pid, _t in rows]
        texts = [text for _pid, text in rows]
        truth: set[int] = set()
        while len(truth) < 2 * SWAPS:
            i, j = rng.randrange(len(rows)), rng.randrange(len(rows))
            if i == j or i in truth or j in truth or texts[i] == texts[j]:
                continue
            texts[i], texts[j] = texts[j], texts[i]
            truth |= {i, j}
        cases.append({"profiles": profiles, "texts": texts, "truth": sorted(truth)})
    return cases


def measure(cases: list[dict]) -> None:
    from apps.quality import embeddings, similarity

    methods = [(similarity.LEXICAL, similarity.mismatches)]
    if embeddings.available():
        methods.append((embeddings.NAME, embeddings.mismatches))
    total = sum(len(c["texts"]) for c in cases)
    swapped = sum(len(c["truth"]) for c in cases)
    for name, find in methods:
        hits = flagged = 0
        started = time.perf_counter()
        for case in cases:
            found = {m.index for m in find(case["profiles"], case["texts"])}
            hits += len(found & set(case["truth"]))
            flagged += len(found)
        elapsed = time.perf_counter() - started
        precision = hits / flagged if flagged else 0.0
        print(
            f"swapped descriptions, {name}: precision {precision:.1%}, recall {hits / swapped:.1%} "
            f"({swapped} swapped of {total} descriptions, {flagged} flagged, {elapsed:.1f} s)"
        )
    print(f"baseline, flagging as many at random: precision {swapped / total:.1%}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("products", nargs="?", type=int, default=100_000)
    parser.add_argument("--dump", help="write the crafted swaps to this JSON file")
    parser.add_argument("--cases", help="read the swaps from this JSON file instead of crafting them")
    args = parser.parse_args()
    if args.cases:
        cases = json.loads(Path(args.cases).read_text())
    else:
        cases = craft(args.products)
        if args.dump:
            Path(args.dump).write_text(json.dumps(cases, ensure_ascii=False))
    measure(cases)
