"""Findings that follow the data, on generated errors in the bench catalog (default 2,000 products):

- swapped descriptions, between families and within a family: recall and precision per kind after the
  on-change path (each edited product re-checked alone, as the Celery task does) and after the nightly
  run, then whether the findings survive an unrelated change (a stock movement) on the swapped products;
  the baseline is the previous judgement, against the products of the same batch only, on the same swaps;
- corrected price typos: the price_jump warnings left on the corrected prices, against the previous
  "usual" (the median of every past amount);
- shared pictures: products of both sides with their finding after the link, and after the unlink;
- cleared English names: products reported "swapped?" rather than missing;
- the time from an edit to its finding (one on-change check), cold and warm.

The sentence-embedding method is measured beside the lexical one when the `[ai]` extra is installed.

    python bench/bench_quality_findings.py [PRODUCTS]
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import time
from decimal import Decimal

from common import setup

PRODUCTS = int(sys.argv[1]) if len(sys.argv) > 1 else 2_000
SWAPS = 30  # pairs per kind
setup(PRODUCTS, database="noel_bench_quality_findings")

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from apps.assets.models import Asset, ProductAsset  # noqa: E402
from apps.core.models import Channel  # noqa: E402
from apps.pricing.models import Price  # noqa: E402
from apps.products.models import Product  # noqa: E402
from apps.quality import embeddings, services, similarity, swaps  # noqa: E402
from apps.quality.models import Finding  # noqa: E402
from apps.quality.registry import Batch, CheckContext  # noqa: E402
from apps.quality.rules.text import Labels, description_of, profile  # noqa: E402

rng = random.Random(41)
LOCALES = ("fr_FR", "en_GB")


def open_for(rule: str) -> set[int]:
    return set(
        Finding.objects.filter(rule=rule, resolved_at__isnull=True).values_list("product_id", flat=True)
    )


def on_change(ids) -> list[float]:
    """Each product re-checked alone, as after its change; the seconds each check took."""
    took = []
    for pid in ids:
        started = time.perf_counter()
        services.quality_check(product_ids=[pid], audit=False)
        took.append(time.perf_counter() - started)
    return took


def score(flagged: set[int], truth: set[int]) -> str:
    hits = len(flagged & truth)
    precision = hits / len(flagged) if flagged else 0.0
    recall = f"recall {hits}/{len(truth)} ({hits / len(truth):.0%})"
    return f"{recall}, precision {precision:.0%} ({len(flagged)} flagged)"


def old_batch_judgement(ids: list[int], chunk: int) -> set[int]:
    """The previous rule: each description against the profiles of the products checked with it."""
    ctx = CheckContext(at=timezone.now())
    flagged: set[int] = set()
    for start in range(0, len(ids), chunk):
        batch = Batch(ctx, ids[start : start + chunk])
        for locale in LOCALES:
            keys, profiles, texts = [], [], []
            for pid in batch.ids:
                _scope, text = description_of(batch.products[pid]["values"], locale)
                if text:
                    keys.append(pid)
                    profiles.append(profile(batch, pid, locale, Labels.of(ctx)))
                    texts.append(text)
            flagged |= {keys[m.index] for m in similarity.mismatches(profiles, texts)}
    return flagged


def pairs(products: list[Product], same_family: bool, used: set[int]) -> list[tuple[Product, Product]]:
    found = []
    while len(found) < SWAPS:
        a, b = rng.sample(products, 2)
        if a.pk in used or b.pk in used or (a.family_id == b.family_id) != same_family:
            continue
        if (a.values.get("name") or {}).get("fr_FR") == (b.values.get("name") or {}).get("fr_FR"):
            continue
        da, db = (description_of(p.values, "fr_FR")[1] for p in (a, b))
        if not da or not db or da.split(" :")[0].split(",")[0] == db.split(" :")[0].split(",")[0]:
            continue  # the same templated text: nothing was swapped
        used |= {a.pk, b.pk}
        found.append((a, b))
    return found


def swap(a: Product, b: Product) -> None:
    da, db = a.values["description"], b.values["description"]
    a.values["description"], b.values["description"] = db, da
    a.save(update_fields=["values", "updated_at"])
    b.save(update_fields=["values", "updated_at"])


def measure_swaps(method: str) -> None:
    settings.NOEL_QUALITY_SWAP_METHOD = method
    name = similarity.mismatch_method(method)[0]
    services.quality_check_catalog(rule_codes=["description_mismatch"])
    clean = open_for("description_mismatch")
    print(f"\n[{name}] before any swap: {len(clean)} products flagged on the untouched catalog")
    simple = list(Product.objects.filter(is_model=False, parent__isnull=True, sku__regex=r"^(TOY|DEC|FOO)-"))
    used: set[int] = set()
    kinds = {"between families": pairs(simple, False, used), "within a family": pairs(simple, True, used)}
    all_ids = list(Product.objects.order_by("pk").values_list("pk", flat=True))
    for kind, chosen in kinds.items():
        for a, b in chosen:
            swap(a, b)
        truth = {p.pk for pair in chosen for p in pair}
        took = on_change(sorted(truth))
        flagged = open_for("description_mismatch") - clean
        median_ms, max_ms = statistics.median(took) * 1000, max(took) * 1000
        print(f"  {kind}, on change: {score(flagged & truth, truth)}; "
              f"edit to finding median {median_ms:.0f} ms, max {max_ms:.0f} ms")  # fmt: skip
        base_change = {pid for pid in truth if pid in old_batch_judgement([pid], 1)}
        print(f"  {kind}, on change, baseline (batch of one): {score(base_change, truth)}")
        stock_ids = sorted(truth)
        on_change(stock_ids)  # an unrelated change re-checks them: nothing about their text changed
        kept = open_for("description_mismatch") & truth
        print(f"  {kind}, after an unrelated re-check: {len(kept)}/{len(truth)} still open")
        services.quality_check_catalog(rule_codes=["description_mismatch"])
        night = open_for("description_mismatch")
        print(f"  {kind}, nightly: {score((night - clean) & truth, truth)}; "
              f"false alarms catalog-wide {len(night - clean - truth)}; same open set as on change: "
              f"{night & truth == flagged & truth}")  # fmt: skip
        base_night = old_batch_judgement(all_ids, settings.NOEL_QUALITY_CHUNK)
        print(
            f"  {kind}, nightly, baseline (batch of 2,000): {score(base_night & truth, truth)}, "
            f"false alarms {len(base_night - truth)}"
        )
        for a, b in chosen:  # put them back for the next kind
            a.refresh_from_db()
            b.refresh_from_db()
            swap(a, b)
        services.quality_check_catalog(rule_codes=["description_mismatch"])


def measure_prices() -> None:
    web = Channel.objects.get(code="web")
    chosen = list(Price.objects.filter(channel=web).order_by("?")[:SWAPS])
    # their usual price stood for days; the typo lived a few minutes; the person corrected it
    for price in chosen:
        usual = price.amount
        for amount in (usual * Decimal("5.5"), usual):
            price.amount = amount
            price.save(update_fields=["amount", "updated_at"])
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE pricing_priceevent SET pgh_created_at = pgh_created_at - interval '3 days' "
            "WHERE pgh_obj_id = ANY(%s) AND pgh_id < (SELECT min(e.pgh_id) FROM pricing_priceevent e "
            "WHERE e.pgh_obj_id = pricing_priceevent.pgh_obj_id AND e.amount <> (SELECT p.amount FROM "
            "pricing_price p WHERE p.id = pricing_priceevent.pgh_obj_id))",
            [[p.pk for p in chosen]],
        )
    ids = sorted({p.product_id for p in chosen})
    on_change(ids)
    left = open_for("price_jump") & set(ids)
    print(f"\ncorrected price typos ({len(ids)}): price_jump warnings left {len(left)}")
    with connection.cursor() as cursor:  # the previous usual: the median of every past amount
        cursor.execute(
            "SELECT pr.id, pr.amount, array_agg(e.amount ORDER BY e.pgh_id DESC) FROM pricing_price pr "
            "JOIN pricing_priceevent e ON e.pgh_obj_id = pr.id WHERE pr.id = ANY(%s) GROUP BY pr.id",
            [[p.pk for p in chosen]],
        )
        old = sum(
            1
            for _id, amount, history in cursor.fetchall()
            if history[1:11] and abs(amount / statistics.median(history[1:11]) - 1) > Decimal("0.5")
        )
    print(f"  baseline (median of every past amount): warnings left {old}")


def measure_pictures() -> None:
    links = list(
        ProductAsset.objects.filter(product__is_model=False, product__parent__isnull=True).order_by("?")[
            : 2 * SWAPS
        ]
    )
    if len(links) < 2 * SWAPS:
        print("\nshared pictures: the bench catalog has too few pictures, skipped")
        return
    added = []
    for link, other in zip(links[:SWAPS], links[SWAPS:], strict=True):
        added.append(
            ProductAsset.objects.create(product_id=other.product_id, asset_id=link.asset_id, role="gallery")
        )
    both = {pid for a in added for pid in (a.product_id,)} | {link.product_id for link in links[:SWAPS]}
    on_change([a.product_id for a in added])
    flagged = open_for("image_shared") & both
    alone = len({a.product_id for a in added})
    print(f"\nshared pictures ({SWAPS} links): on change, products of both sides with a finding "
          f"{len(flagged)}/{len(both)} (baseline, the linked one alone: {alone}/{len(both)})")  # fmt: skip
    ids = [a.product_id for a in added]
    for link in added:
        link.delete()
    on_change(ids)
    print(f"  after the unlinks: {len(open_for('image_shared') & both)} left open")


def measure_names() -> None:
    chosen = list(
        Product.objects.filter(sku__regex=r"^(TOY|DEC|FOO)-", values__description__has_key="en_GB").order_by(
            "?"
        )[:15]
    )
    for product in chosen:
        product.values["name"].pop("en_GB", None)
        product.save(update_fields=["values", "updated_at"])
    ids = [p.pk for p in chosen]
    on_change(ids)
    swapped = open_for("description_mismatch") & set(ids)
    missing = open_for("translation_missing") & set(ids)
    print(f"\ncleared English names (15): reported swapped {len(swapped)}, reported missing {len(missing)}")


def measure_latency() -> None:
    swaps._recent.clear()
    pid = Product.objects.filter(is_model=False).values_list("pk", flat=True).first()
    cold = on_change([pid])[0]
    warm = on_change([pid] * 20)
    print(f"\nedit to finding, one on-change check: cold (index read) {cold:.2f} s, warm median "
          f"{statistics.median(warm) * 1000:.0f} ms; load {os.getloadavg()[0]:.1f}")  # fmt: skip


print(f"catalog: {Product.objects.count():,} products, {Asset.objects.count():,} assets")
measure_latency()
measure_swaps("lexical")
if embeddings.available():
    measure_swaps("auto")
else:
    print("\n[sentence embedding] skipped: the [ai] extra is not installed in this venv")
measure_prices()
measure_pictures()
measure_names()
