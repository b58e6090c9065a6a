"""Where a first import's PostgreSQL time goes. One import of N products × 10 values (bench_import's file)
is run and its rows read back (products, audit, completeness); they are then COPYed again as the import
writes them (chunks of 2,000, foreign keys checked per statement), each time in a transaction rolled back
and vacuumed after, with one part of the write taken away: what a part costs is the difference. The
baseline, named in the last line, is the same product rows COPYed into a bare table (no index, no
trigger, no constraint): what PostgreSQL spends just receiving them.

    python bench/bench_import_writes.py [N]     (default 50,000; costs are per row, 3 rounds, medians)

Needs a superuser (it disables triggers and drops indexes inside the rolled-back transactions), as the
machine's PostgreSQL and the embedded one give.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

from common import setup

N = int(sys.argv[1]) if len(sys.argv) > 1 else 50_000
ROUNDS = 3
PRODUCT_COLUMNS = (
    'id, sku, family_id, family_variant_id, parent_id, is_model, enabled, gtin, categories, "values",'
    " associations, axis_key, search_text, status, version, created_at, updated_at, updated_by_id"
)
TABLES = {
    "products": ("products_product", PRODUCT_COLUMNS),
    "audit": (
        "core_auditlog",
        "created_at, actor_id, actor_label, action, object_type, object_code, diff, source, request_id",
    ),
    "completeness": ("products_completeness", "product_id, scores, incomplete"),
}
SEARCH = ["DROP INDEX products_search_gin", "ALTER TABLE products_product DROP COLUMN search_vector"]
ALTER = "ALTER TABLE products_product"


def parts_of_the_write(cursor) -> dict[str, list[str]]:
    """What can be taken away from the product rows' write, each with the statements that take it away."""
    cursor.execute(
        "SELECT tgname FROM pg_trigger WHERE tgrelid = 'products_product'::regclass AND tgname LIKE %s",
        ["pgtrigger_%_insert_%"],
    )
    trigger = {name.split("_insert_")[0].removeprefix("pgtrigger_"): name for (name,) in cursor.fetchall()}
    cursor.execute(
        "SELECT i.relname FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid"
        " WHERE x.indrelid = 'products_product'::regclass AND NOT x.indisunique AND NOT x.indisprimary"
        " AND i.relname <> 'products_search_gin' ORDER BY 1"
    )
    others = [f"DROP INDEX {name}" for (name,) in cursor.fetchall()]
    return {
        "unique-value trigger": [f"{ALTER} DISABLE TRIGGER {trigger['unique_values']}"],
        "history trigger": [f"{ALTER} DISABLE TRIGGER {trigger['created']}"],
        "foreign-key checks": [f"{ALTER} DISABLE TRIGGER ALL", f"{ALTER} ENABLE TRIGGER USER"],
        "full-text search (tsvector column + GIN)": SEARCH,
        f"other secondary indexes ({len(others)})": others,
        "everything above": [f"{ALTER} DISABLE TRIGGER ALL", *SEARCH, *others],
    }


def capture(prefix: str, scratch: Path) -> dict[str, bytes]:
    """Import the file, read back the rows the import wrote, then take the products away again (their audit
    rows stay: the audit log is append-only; COPYing them again adds rows that nothing reads)."""
    from bench_import import clean_up, write_file
    from django.db import connection

    from apps.exchange.flat.imports import products_import

    path = scratch / "file.csv"
    write_file(path, prefix, N)
    with path.open("rb") as handle:
        report = products_import(actor=None, handle=handle, name=path.name)
    assert report.created == N, report.as_dict()
    ids = f"SELECT id FROM products_product WHERE sku LIKE '{prefix}%'"
    queries = {
        "products": f"SELECT {PRODUCT_COLUMNS} FROM products_product WHERE sku LIKE '{prefix}%' ORDER BY id",
        "audit": f"SELECT {TABLES['audit'][1]} FROM core_auditlog WHERE object_type = 'product'"
        f" AND object_code LIKE '{prefix}%' ORDER BY id",
        "completeness": f"SELECT {TABLES['completeness'][1]} FROM products_completeness"
        f" WHERE product_id IN ({ids}) ORDER BY product_id",
    }
    rows = {}
    with connection.cursor() as cursor:
        for name, query in queries.items():
            with cursor.cursor.copy(f"COPY ({query}) TO STDOUT") as copy:
                rows[name] = b"".join(bytes(block) for block in copy)
            assert rows[name].count(b"\n") == N, (name, rows[name].count(b"\n"))
    clean_up(prefix)
    return rows


def timed(table: str, columns: str, rows: bytes, taken_away: list[str]) -> float:
    """µs a row of COPYing `rows` into `table` as the import does, after `taken_away`; rolled back, then
    vacuumed, so that no run meets the dead index entries of the one before."""
    from django.db import connection, transaction

    lines = rows.splitlines(keepends=True)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SELECT set_config('pgtrigger.ignore', '{}', true)")
        for statement in taken_away:
            cursor.execute(statement)
        started = time.perf_counter()
        for start in range(0, len(lines), 2_000):
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                copy.write(b"".join(lines[start : start + 2_000]))
        seconds = time.perf_counter() - started
        transaction.set_rollback(True)
    with connection.cursor() as cursor:
        for vacuumed in (table, "products_productevent", "products_uniquevalue"):
            cursor.execute(f"VACUUM {vacuumed}")
    return seconds * 1e6 / len(lines)


def main() -> None:
    setup(100_000)
    from bench_import import vacuum
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        if not cursor.fetchone()[0]:
            sys.exit("bench_import_writes.py disables triggers: run it as a PostgreSQL superuser")
    vacuum()
    with tempfile.TemporaryDirectory() as scratch:
        rows = capture(f"W{int(time.time()) % 1_000_000:06d}", Path(scratch))
    with connection.cursor() as cursor:
        parts = parts_of_the_write(cursor)
        cursor.execute("DROP TABLE IF EXISTS bench_bare_product")
        cursor.execute("CREATE TABLE bench_bare_product (LIKE products_product)")
    runs: dict[str, list[float]] = {}
    try:
        for _round in range(ROUNDS):
            bare = timed("bench_bare_product", PRODUCT_COLUMNS, rows["products"], [])
            runs.setdefault("bare", []).append(bare)
            for name, (table, columns) in TABLES.items():
                runs.setdefault(name, []).append(timed(table, columns, rows[name], []))
            for part, statements in parts.items():
                runs.setdefault(part, []).append(timed(*TABLES["products"], rows["products"], statements))
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE bench_bare_product")
    cost = {name: statistics.median(values) for name, values in runs.items()}
    products = cost["products"]
    print(f"{N:,} products as a first import writes them, µs a row (median of {ROUNDS} rounds):")
    print(f"  product rows {products:.1f}, of which:")
    for part in list(parts)[:-1]:
        print(f"    {part}: {products - cost[part]:.1f}")
    rest = cost["everything above"]
    print(f"    the rest (row, primary key, SKU, GTIN and variant-axes uniqueness): {rest:.1f}")
    print(f"  audit rows {cost['audit']:.1f}, completeness rows {cost['completeness']:.1f}")
    total = products + cost["audit"] + cost["completeness"]
    print(
        f"PostgreSQL's writes of a first import: {total:.1f} µs a row, at most {1e6 / total:,.0f} rows/s were"
        f" the rest of the import free; baseline, the product rows into a bare table: {cost['bare']:.1f} µs"
        f" a row ({total / cost['bare']:.1f}× less)"
    )


if __name__ == "__main__":
    main()
