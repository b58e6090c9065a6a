"""`make run`: one command that brings up the whole of Noel on a developer's machine.

It starts (or joins) the embedded PostgreSQL when DATABASE_URL is not set, migrates, loads the demo,
then runs the web server, a Celery worker and Celery beat under honcho. Ctrl-C stops all three, and the
embedded PostgreSQL stops when this process exits, so nothing is left running.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from config import embedded_pg

BASE_DIR = Path(__file__).resolve().parent.parent
# The web server, worker and beat of `make run`, each on local settings; the root Procfile is production's.
PROCFILE = BASE_DIR / "config" / "Procfile.local"


def _manage(*args: str) -> None:
    subprocess.run([sys.executable, str(BASE_DIR / "manage.py"), *args], check=True, cwd=BASE_DIR)


def main() -> int:
    # Local settings, whatever the shell has: every other entry point defaults to production.
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.local"
    os.environ.setdefault("PORT", "8000")
    os.environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    embedded = "DATABASE_URL" not in os.environ
    database_url = embedded_pg.database_url()
    if embedded:
        os.environ.setdefault("CELERY_BROKER_URL", embedded_pg.sqla_broker_url(database_url))
        print(f"Embedded PostgreSQL running, data in {embedded_pg.PGDATA}")
    _manage("migrate", "--noinput")
    _manage("seed_demo")
    print(f"\nNoel is starting: http://127.0.0.1:{os.environ['PORT']}/admin/  (Ctrl-C stops everything)\n")
    honcho = subprocess.Popen(
        [str(Path(sys.executable).parent / "honcho"), "start", "-f", str(PROCFILE), "-d", str(BASE_DIR)],
        cwd=BASE_DIR,
    )
    # The terminal sends Ctrl-C to the whole process group; honcho stops its children, we wait for it.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, lambda *_: honcho.terminate())
    return honcho.wait()


if __name__ == "__main__":
    try:
        sys.exit(main())
    except subprocess.CalledProcessError as exc:
        sys.exit(f"make run stopped: `{' '.join(exc.cmd[1:])}` failed (exit {exc.returncode}); see above.")
