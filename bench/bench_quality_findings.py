"""Findings that follow the data, on generated errors in the bench catalog (default 2,000 products):

- swapped descriptions, between families and within a family: recall and precision per kind after the
  on-change path (each edited product re-checked alone, as the Celery task does) and after the nightly
  run, then whether the findings survive an unrelated change (a stock movement) on the swapped products;
  the baseline is the previous judgement, against the products of the same batch only, on the same swaps;
- corrected price typos: the price_jump warnings left on the corrected prices, against the previous
  "usual" (the median of every past amount);
- cleared English names: products reported "swapped?" rather than missing;
- every other kind the Christmas problem names (prices ×10 and ÷10, a sale below cost, a required
  attribute emptied, a translation missing, French copied into the English field, on sale with nothing to
  sell, click and collect with no store stock, a picture whose rights ended, one picture shown by two
  unrelated products), SWAPS injected errors each through Noel's services: recall and precision of the
  rule meant to find it on the on-change path and at night, whether both paths give the same open set,
  whether the findings survive an unrelated re-check and close once the cause is fixed, and the time from
  the edit to its finding;
- the time from an edit to its finding (one on-change check), cold and warm.

The sentence-embedding method is measured beside the lexical one when the `[ai]` extra is installed.

    python bench/bench_quality_findings.py [PRODUCTS]
    SECTIONS=swaps,kinds python bench/bench_quality_findings.py   (latency, swaps, prices, names, kinds)
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

from apps.assets import demo as asset_demo  # noqa: E402
from apps.assets import services as assets  # noqa: E402
from apps.assets.models import Asset, ProductAsset  # noqa: E402
from apps.core.models import Channel  # noqa: E402
from apps.inventory import services as inventory  # noqa: E402
from apps.inventory.models import StockLevel, StockLocation  # noqa: E402
from apps.pricing import services as pricing  # noqa: E402
from apps.pricing.models import Price  # noqa: E402
from apps.products import services as products  # noqa: E402
from apps.products.models import Completeness, FamilyRequirement, Product  # noqa: E402
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


# --- every other kind: injected through the services, found by the rule meant for it ------------------


class Kind:
    """One kind of error: the rule meant to find it, how to inject it into a product (returning what puts
    it right) and which products the finding must name (the injected one, unless the error involves
    others, as a shared picture or an asset linked to several products)."""

    def __init__(self, name: str, rule: str, inject, pool=None):
        self.name, self.rule, self.inject, self.pool = name, rule, inject, pool


def _web_price(product: Product) -> Price | None:
    return Price.objects.filter(product=product, channel__code="web").first()


def _set_price(product: Product, **fields) -> None:
    price = _web_price(product)
    values = {"amount": price.amount, "compare_at": price.compare_at, "cost": price.cost} | fields
    # a price below its cost is what these kinds inject: only someone allowed to, with a reason, may set it
    pricing.price_set(actor=_admin(), product=product, channel=price.channel, confirm=True,
                      reason="bench: injected error", **values)  # fmt: skip


def _admin():
    from django.contrib.auth import get_user_model

    user, _created = get_user_model().objects.get_or_create(
        username="bench-admin", defaults={"is_superuser": True, "is_staff": True}
    )
    return user


def _times(factor: Decimal):
    def inject(product: Product):
        amount = _web_price(product).amount
        _set_price(product, amount=(amount * factor).quantize(Decimal("0.01")))
        return lambda: _set_price(product, amount=amount)

    return inject


def _below_cost(product: Product):
    price = _web_price(product)
    amount, cost = price.amount, price.cost
    _set_price(product, compare_at=amount * 2, cost=(amount * Decimal("1.2")).quantize(Decimal("0.01")))
    return lambda: _set_price(product, compare_at=None, cost=cost if cost is not None else amount / 2)


def _save_values(product: Product, values: dict) -> None:
    product.values = values
    product.save(update_fields=["values", "updated_at"])
    products.completeness_compute([product])


def _missing_required(product: Product):
    before = dict(product.values)
    required = FamilyRequirement.objects.filter(family_id=product.family_id).values_list("attribute__code")
    for code in sorted({code for (code,) in required}):
        if code in before and code not in ("name", "description"):
            _save_values(product, {k: v for k, v in before.items() if k != code})
            if Completeness.objects.filter(product=product).exclude(incomplete=[]).exists():
                return lambda: _save_values(product, before)
            _save_values(product, before)
    return None  # nothing it needs can be emptied: not a candidate


def _texts(locale_change):
    def inject(product: Product):
        before = product.values
        values = {k: (dict(v) if isinstance(v, dict) else v) for k, v in before.items()}
        if not locale_change(values.get(settings.NOEL_QUALITY_DESCRIPTION) or {}):
            return None
        values[settings.NOEL_QUALITY_DESCRIPTION] = dict(values[settings.NOEL_QUALITY_DESCRIPTION])
        _save_values(product, values)
        return lambda: _save_values(product, before)

    return inject


def _drop_english(description: dict) -> bool:
    return bool(description.get("en_GB") and description.pop("en_GB"))


def _french_in_english(description: dict) -> bool:
    if not description.get("fr_FR") or not description.get("en_GB"):
        return False
    description["en_GB"] = dict(description["fr_FR"])
    return True


def _stock(product: Product, quantities: dict[str, int]) -> None:
    lines = [inventory.StockLine(product.sku, code, quantity=q) for code, q in quantities.items()]
    inventory.stock_apply_batch(actor=None, lines=lines)


def _on_sale_no_stock(product: Product):
    before = dict(StockLevel.objects.filter(product=product).values_list("location__code", "on_hand"))
    if not before or not any(before.values()):
        return None
    amount = _web_price(product).amount
    _set_price(product, compare_at=(amount * Decimal("1.5")).quantize(Decimal("0.01")))
    _stock(product, dict.fromkeys(before, 0))
    return lambda: (_stock(product, before), _set_price(product, compare_at=None))


def _click_collect_empty(product: Product):
    levels = StockLevel.objects.filter(
        product=product, location__kind=StockLocation.Kind.STORE, location__click_and_collect=True,
        location__is_active=True, on_hand__gt=0, reserved=0,
    ).values_list("location__code", "on_hand")  # fmt: skip
    before = dict(levels[:1])
    if not before:
        return None
    _stock(product, dict.fromkeys(before, 0))
    return lambda: _stock(product, before)


_PICTURE_TRUTH: dict[int, set[int]] = {}


def _pictured(product: Product) -> Asset:
    """A picture of the product's own (uploaded for the bench when it has none), shown by it alone."""
    link = ProductAsset.objects.filter(product=product).order_by("pk").first()
    if link and ProductAsset.objects.filter(asset_id=link.asset_id).count() == 1:
        return link.asset
    data = asset_demo.draw(product.sku, product.family.code if product.family else "", 600, product.pk)
    return assets.asset_upload(actor=None, name=f"{product.sku}_bench.jpg", data=data, product=product).asset


def _expired(product: Product):
    asset = _pictured(product)
    assets.asset_update(actor=None, asset=asset, changes={"valid_until": timezone.now()})
    return lambda: assets.asset_update(actor=None, asset=asset, changes={"valid_until": None})


def _shared_with(others: list[Product]):
    def inject(product: Product):
        other = others.pop()
        asset = _pictured(other)
        link = assets.product_asset_link(actor=None, product=product, asset=asset)
        _PICTURE_TRUTH[product.pk] = {product.pk, other.pk}
        return lambda: assets.product_asset_unlink(actor=None, link=link)

    return inject


def measure_kinds() -> None:
    sellable = list(
        Product.objects.filter(is_model=False, parent__isnull=True, sku__regex=r"^(TOY|DEC|FOO)-",
                               prices__channel__code="web").select_related("family").distinct()
    )  # fmt: skip
    rng.shuffle(sellable)
    picture_owners = sellable[-SWAPS:]  # the other side of each shared picture, used by no other kind
    pool = sellable[:-SWAPS]
    kinds = [
        Kind("price ×10", "price_typo", _times(Decimal(10))),
        Kind("price ÷10", "price_typo", _times(Decimal("0.1"))),
        Kind("sale below cost", "below_cost", _below_cost),
        Kind("required attribute emptied", "missing_required", _missing_required),
        Kind("English description missing", "translation_missing", _texts(_drop_english)),
        Kind("French in the English field", "translation_identical", _texts(_french_in_english)),
        Kind("on sale, nothing to sell", "promoted_no_stock", _on_sale_no_stock),
        Kind("click and collect, no store stock", "click_collect_no_stock", _click_collect_empty),
        Kind("picture rights ended", "asset_rights_expired", _expired),
        Kind("one picture, two unrelated products", "image_shared", _shared_with(list(picture_owners))),
    ]
    print(f"\nevery kind, {SWAPS} injected each (truth: the products the finding must name)")
    for kind in kinds:
        services.quality_check_catalog(rule_codes=[kind.rule])
        clean = open_for(kind.rule)
        chosen, fixes = [], []
        while len(chosen) < SWAPS and pool:
            product = pool.pop()
            if product.pk in clean:
                continue
            fix = kind.inject(product)
            if fix is not None:
                chosen.append(product)
                fixes.append(fix)
        truth = set().union(*(_PICTURE_TRUTH.get(p.pk, {p.pk}) for p in chosen))
        took = on_change([p.pk for p in chosen])
        changed = open_for(kind.rule) - clean
        on_change(sorted(truth))  # an unrelated change re-checks them: the cause is still there
        kept = open_for(kind.rule) & truth
        services.quality_check_catalog(rule_codes=[kind.rule])
        night = open_for(kind.rule) - clean
        for fix in fixes:
            fix()
        on_change([p.pk for p in chosen])
        left = open_for(kind.rule) & truth
        if left:
            still = Finding.objects.filter(rule=kind.rule, product_id__in=left, resolved_at__isnull=True)
            print(f"  still open once fixed: {list(still.values_list('product__sku', 'message')[:3])}")
        if kind.rule == "image_shared":  # the previous path re-checked the product just linked alone
            alone = {p.pk for p in chosen}
            print(f"  baseline for {kind.name}, re-checking the linked product alone names at most "
                  f"{len(alone)}/{len(truth)}")  # fmt: skip
        print(
            f"  {kind.name} ({kind.rule}, {len(chosen)} injected, {len(truth)} products named): on change "
            f"{score(changed, truth)}; nightly {score(night, truth)}; same open set {changed == night}; "
            f"kept after an unrelated re-check {len(kept)}/{len(truth)}; left open once fixed {len(left)}; "
            f"edit to finding median {statistics.median(took) * 1000:.0f} ms"
        )


def measure_latency() -> None:
    swaps._recent.clear()
    pid = Product.objects.filter(is_model=False).values_list("pk", flat=True).first()
    cold = on_change([pid])[0]
    warm = on_change([pid] * 20)
    print(f"\nedit to finding, one on-change check: cold (index read) {cold:.2f} s, warm median "
          f"{statistics.median(warm) * 1000:.0f} ms; load {os.getloadavg()[0]:.1f}")  # fmt: skip


print(f"catalog: {Product.objects.count():,} products, {Asset.objects.count():,} assets")
SECTIONS = os.environ.get("SECTIONS", "latency,swaps,prices,names,kinds").split(",")
if "latency" in SECTIONS:
    measure_latency()
if "swaps" in SECTIONS:
    measure_swaps("lexical")
    if embeddings.available():
        measure_swaps("auto")
    else:
        print("\n[sentence embedding] skipped: the [ai] extra is not installed in this venv")
if "prices" in SECTIONS:
    measure_prices()
if "names" in SECTIONS:
    measure_names()
if "kinds" in SECTIONS:
    measure_kinds()
