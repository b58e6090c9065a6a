"""Shared set-up of the benchmarks: a dedicated, disposable `noel_bench` database on the same PostgreSQL
server (DATABASE_URL's, or the embedded one), migrated and filled with the demo catalog at the wanted
size. A database of another size is dropped and rebuilt. NOEL_BENCH_DB names another one, so that
benchmarks run side by side on a shared server do not rebuild each other's."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _admin(sql: str, url: str) -> list:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        cursor = conn.execute(sql)
        return cursor.fetchall() if cursor.description else []


def setup(products: int) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    os.environ["DEBUG"] = "false"
    from config import embedded_pg

    base = urlsplit(embedded_pg.database_url().replace("postgres://", "postgresql://", 1))
    maintenance = urlunsplit(base._replace(path="/postgres"))
    name = os.environ.get("NOEL_BENCH_DB", "noel_bench")
    bench_url = urlunsplit(base._replace(path=f"/{name}"))
    exists = f"SELECT 1 FROM pg_database WHERE datname = '{name}'"
    if _admin(exists, maintenance):
        try:
            have = _admin("SELECT count(*) FROM products_product", bench_url)[0][0]
        except Exception:  # not migrated yet
            have = -1
        if have != products:
            _admin(f'DROP DATABASE "{name}" WITH (FORCE)', maintenance)
    if not _admin(exists, maintenance):
        _admin(f'CREATE DATABASE "{name}"', maintenance)
    os.environ["DATABASE_URL"] = bench_url

    import django

    django.setup()
    from django.core.management import call_command

    from apps.products.models import Product

    call_command("migrate", verbosity=0)
    if not Product.objects.exists():
        started = time.perf_counter()
        call_command("seed_demo", products=products, stdout=open(os.devnull, "w"))  # noqa: SIM115
        print(f"seeded {Product.objects.count()} products in {time.perf_counter() - started:.0f} s")
