"""Reading an import file: N rows × 15 columns of a CSV through `apps.exchange.tabular.Table` (delimiter and
encoding detected, every row checked for a cell left out and the file for a cut quoted cell), against
Python's own csv.reader over the same file in the same run (the limit: no checks).

    python bench/bench_tabular.py [N]     (default 100000)
"""

from __future__ import annotations

import csv
import io
import os
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import django

django.setup()

from apps.exchange.tabular import Table  # noqa: E402

N = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000


def data(count: int) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow([f"col{i}" for i in range(15)])
    for n in range(count):
        writer.writerow([f"SKU-{n}", "toys", "toys,xmas", "1", f"Renne {n}", f"Reindeer {n}",
                         f'Un "renne"; en peluche\nligne {n}', "Lutin", "wood", "3", "0.25", "kg",
                         "19.90", f"REF{n}", "2026-12-01"])  # fmt: skip
    return out.getvalue().encode()


def best_of(runs: int, read) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        read()
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> None:
    raw = data(N)

    def table() -> None:
        for _row in Table(io.BytesIO(raw), "bench.csv").rows():
            pass

    def plain() -> None:
        for _row in csv.reader(io.StringIO(raw.decode()), delimiter=";"):
            pass

    ours, limit = best_of(3, table), best_of(3, plain)
    print(f"{N:,} rows × 15 columns, {len(raw) / 1e6:.1f} MB, best of 3")
    print(f"Table.rows():  {N / ours:>10,.0f} rows/s ({ours:.2f} s)")
    print(f"csv.reader:    {N / limit:>10,.0f} rows/s ({limit:.2f} s)  (baseline: no checks)")
    print(f"Table at {limit / ours:.0%} of the plain reader's rate")


if __name__ == "__main__":
    main()
