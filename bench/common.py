"""Shared set-up of the benchmarks: a dedicated, disposable `noel_bench` database on the same PostgreSQL
server (DATABASE_URL's, or the embedded one), migrated and filled with the demo catalog at the wanted
size. A database of another size is dropped and rebuilt. NOEL_BENCH_DB names another one, so that
benchmarks run side by side on a shared server do not rebuild each other's."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _admin(sql: str, url: str) -> list:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        cursor = conn.execute(sql)
        return cursor.fetchall() if cursor.description else []


def setup(products: int, database: str = "noel_bench") -> None:
    """Point Django at the bench database (`database`, or NOEL_BENCH_DB; rebuilt when its catalog is not
    `products` big)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    os.environ["DEBUG"] = "false"
    from config import embedded_pg

    base = urlsplit(embedded_pg.database_url().replace("postgres://", "postgresql://", 1))
    maintenance = urlunsplit(base._replace(path="/postgres"))
    name = os.environ.get("NOEL_BENCH_DB", database)
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


def backend_cpu() -> float:
    """CPU seconds of this connection's PostgreSQL backend so far (NaN when its /proc entry is not readable,
    e.g. a server on another machine, so differences print as nan rather than failing)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _status_mb(field: str) -> float:
    with open("/proc/self/status") as status:
        line = next(line for line in status if line.startswith(f"{field}:"))
    return int(line.split()[1]) / 1024


def own_peak_mb() -> float:
    """This process's own peak resident memory (VmHWM). Not `ru_maxrss`: Linux carries the parent's peak
    over into a child at exec, so a child started by a parent that had seeded 100,000 products read
    700 MB whatever it did."""
    return _status_mb("VmHWM")


def peak_from_now() -> float:
    """Start a new peak (Linux resets VmHWM to the resident size on `5` in clear_refs) and return that
    size, MB: a figure for one step of a process that did something larger before (seeding)."""
    with open("/proc/self/clear_refs", "w") as clear:
        clear.write("5")
    return _status_mb("VmRSS")


@contextmanager
def gunicorn(port: int, workers: int = 2, **env: str) -> Iterator[None]:
    """The production web server on the bench database, until the block ends."""
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "config.wsgi", "-w", str(workers), "-b", f"127.0.0.1:{port}",
         "--log-level", "warning"],
        cwd=ROOT,
        env={**os.environ, "DEBUG": "false", "DJANGO_SETTINGS_MODULE": "config.settings.local", **env},
    )  # fmt: skip
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        yield
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=20)


def wrk(url: str, *headers: str, connections: int = 20, seconds: int = 10) -> str:
    """Debian's wrk against `url`: "N req/s, p90 …, p99 …" (and the non-2xx/3xx count, if any)."""
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency"]
    for header in headers:
        command += ["-H", header]
    out = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p90 = re.search(r"90%\s+([\d.]+\w+)", out).group(1)
    p99 = re.search(r"99%\s+([\d.]+\w+)", out).group(1)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return f"{rate:,.0f} req/s, p90 {p90}, p99 {p99}" + (f", {errors.group(1)} errors" if errors else "")
