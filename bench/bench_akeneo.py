"""Akeneo product export → Noel: N simple products in Akeneo's CSV shape (identifier column, `groups`,
association and unsupported columns, literal \\n in descriptions) imported with the set-up files of
tests/exchange/data/akeneo, against the flat import of the same rows already in Noel's format (the
baseline: what the translation costs on top), then the unchanged Akeneo file again.

    NOEL_BENCH_DB=… python bench/bench_akeneo.py [N]     (default 20000)
"""

from __future__ import annotations

import csv
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

from common import ROOT, setup

N = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
DATA = ROOT / "tests" / "exchange" / "data" / "akeneo"
AKENEO = [
    "sku", "categories", "enabled", "family", "groups", "X_SELL-groups", "X_SELL-products", "color",
    "description-en_US-ecommerce", "description-fr_FR-ecommerce", "name-en_US", "name-fr_FR", "material",
    "handmade", "care_temperature", "release_date", "price-EUR", "price-USD", "weight", "weight-unit",
    "fabric_origin",
]  # fmt: skip


def cells(prefix: str, n: int) -> list[str]:
    return [
        f"{prefix}{n:07d}", "cushions", "1", "cushions", "", "", "", ("red", "blue", "white")[n % 3],
        f"<p>Cushion n° {n}.</p>\\n<p>Linen.</p>", f"<p>Coussin n° {n}.</p>", f"Cushion {n}", f"Coussin {n}",
        ("linen", "cotton,linen", "wool")[n % 3], str(n % 2), "30", "2025-11-15", f"{10 + n % 90}.90",
        f"{12 + n % 90}.00", f"{300 + n % 400}.0000", "GRAM", "portugal",
    ]  # fmt: skip


def write(path: Path, header: list[str], prefix: str, flat: bool) -> None:
    keep = [
        i for i, c in enumerate(header) if not flat or c not in ("groups", "X_SELL-groups", "fabric_origin")
    ]
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, delimiter=";", lineterminator="\n")
        writer.writerow([header[i] for i in keep])
        for n in range(N):
            row = cells(prefix, n)
            if flat:
                row[8] = row[8].replace("\\n", "\n")
            writer.writerow([row[i] for i in keep])


def cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    setup(0, database="noel_bench_akeneo")
    from apps.exchange.akeneo.imports import catalog_import
    from apps.exchange.flat.imports import products_import
    from apps.products.models import Product

    Product.objects.filter(family__code="cushions").delete()  # a previous run's
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch) / "export"
        folder.mkdir()
        for name in ("channels", "attribute_groups", "attributes", "attribute_options", "categories",
                     "association_types", "families", "family_variants"):  # fmt: skip
            shutil.copy(DATA / f"{name}.csv", folder)
        catalog_import(actor=None, paths=[folder])  # the set-up, so that both runs find it
        write(folder / "products.csv", AKENEO, "AK", flat=False)
        write(Path(scratch) / "flat.csv", AKENEO, "FL", flat=True)
        load, began, cpu0 = os.getloadavg()[0], time.perf_counter(), cpu()
        report = catalog_import(actor=None, paths=[folder])
        akeneo = next(p for p in report.files if p["kind"] == "products")
        assert akeneo["created"] == N, report.errors[:5]
        akeneo_wall, akeneo_cpu = time.perf_counter() - began, cpu() - cpu0
        began, cpu0 = time.perf_counter(), cpu()
        with (Path(scratch) / "flat.csv").open("rb") as handle:
            baseline = products_import(actor=None, handle=handle, name="flat.csv")
        assert baseline.created == N
        flat_wall, flat_cpu = time.perf_counter() - began, cpu() - cpu0
        began = time.perf_counter()
        again = catalog_import(actor=None, paths=[folder])
        again_wall = time.perf_counter() - began
        assert next(p for p in again.files if p["kind"] == "products")["unchanged"] == N
    print(
        f"akeneo products: {N / akeneo_wall:,.0f} rows/s ({akeneo_wall:.1f} s, {akeneo_cpu:.1f} CPU s, "
        f"set-up files included); baseline flat import of the same rows: {N / flat_wall:,.0f} rows/s "
        f"({flat_wall:.1f} s, {flat_cpu:.1f} CPU s): {akeneo_wall / flat_wall:.2f}× its time; "
        f"unchanged again: {N / again_wall:,.0f} rows/s; N={N:,}, load {load:.1f}"
    )


if __name__ == "__main__":
    main()
