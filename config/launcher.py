"""`make run`: one command that brings up the whole of Noel on a developer's machine.

It starts (or joins) the embedded PostgreSQL when DATABASE_URL is not set, migrates, loads the demo,
then runs the web server, a Celery worker and Celery beat under honcho. Ctrl-C stops all three, and the
embedded PostgreSQL stops when this process exits, so nothing is left running.

The console stays quiet: what the three processes write goes to var/log/<process>.log (and the migration
and demo output to var/log/setup.log). The console shows a short summary while starting, any error line
of the processes as it happens, and, once the web server answers and the worker is ready, the URL, the
demo logins and the pull tokens, last, where they do not scroll away.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

from config import embedded_pg

BASE_DIR = Path(__file__).resolve().parent.parent
# The web server, worker and beat of `make run`, each on local settings; the root Procfile is production's.
PROCFILE = BASE_DIR / "config" / "Procfile.local"
LOGS = BASE_DIR / "var" / "log"
SETUP_LOG = LOGS / "setup.log"
PROCESSES = ("web", "worker", "beat")
# How long to wait for the web server to answer and the worker to be ready before printing the logins.
READY_TIMEOUT = 180

# honcho --no-colour: "21:07:30 worker.1 | text" (its own lines come from "system").
HONCHO_LINE = re.compile(r"^\S+ (?P<name>[a-z]+)(?:\.\d+)?\s*\| ?(?P<text>.*)$")
# A line worth the console: a log record at ERROR or CRITICAL, or the start of a traceback.
ERROR_LINE = re.compile(r"\b(ERROR|CRITICAL)\b|^Traceback")
TOKEN = re.compile(r"\b(noel_[0-9a-f]{8})_\S+")


def _relative(path: Path) -> str:
    return str(path.relative_to(BASE_DIR))


def _manage(*args: str) -> str:
    """Run a management command with its output appended to var/log/setup.log; returned, and shown (its
    end) when the command fails."""
    result = subprocess.run(
        [sys.executable, str(BASE_DIR / "manage.py"), *args],
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
    )
    with SETUP_LOG.open("a") as log:
        # the pull tokens are secrets: the console shows them once, the log file keeps their prefix only
        kept = TOKEN.sub(r"\1_… (shown on the console)", result.stdout + result.stderr)
        log.write(f"$ manage.py {' '.join(args)}\n{kept}")
    if result.returncode:
        tail = (result.stdout + result.stderr).strip().splitlines()[-30:]
        print("\n".join(tail), file=sys.stderr)
        raise subprocess.CalledProcessError(result.returncode, ["manage.py", *args])
    return result.stdout


def _demo_sections(output: str) -> tuple[list[str], list[str], list[str]]:
    """The demo loader's output split into the summary, the logins block and the pull-token lines."""
    summary, logins, tokens = [], [], []
    in_logins = False
    for line in output.splitlines():
        if line.startswith("Demo logins"):
            in_logins = True
            logins.append(line)
        elif in_logins and line.startswith("  "):
            logins.append(line)
        else:
            in_logins = False
            (tokens if "pull token" in line else summary).append(line)
    return summary, logins, tokens


class Processes:
    """honcho and its three processes: every line to its process's log file, error lines to the console
    as well (until we are stopping, when workers report their pool being terminated)."""

    def __init__(self) -> None:
        self.stopping = False
        self.web_ready = threading.Event()
        self.worker_ready = threading.Event()
        self.logs = {name: (LOGS / f"{name}.log").open("w", buffering=1) for name in (*PROCESSES, "system")}
        self.honcho = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "honcho"),
                "start",
                "--no-colour",
                "-f",
                str(PROCFILE),
                "-d",
                str(BASE_DIR),
            ],
            cwd=BASE_DIR,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            bufsize=1,
        )
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.honcho.stdout is not None
        for raw in self.honcho.stdout:
            line = raw.rstrip("\n")
            match = HONCHO_LINE.match(line)
            name, text = (match["name"], match["text"]) if match else ("system", line)
            self.logs.get(name, self.logs["system"]).write(f"{text}\n")
            if name == "worker" and re.search(r"celery@\S+ ready\.", text):
                self.worker_ready.set()
            if self.stopping:
                continue
            if name == "system" and "stopped" in text:
                process = text.split(".", 1)[0]
                where = f"; see {_relative(LOGS / f'{process}.log')}" if process in PROCESSES else ""
                print(f"make run: {text}{where}", file=sys.stderr, flush=True)
            elif name in PROCESSES and ERROR_LINE.search(text):
                print(
                    f"{name}: {text}  (more in {_relative(LOGS / f'{name}.log')})",
                    file=sys.stderr,
                    flush=True,
                )

    def wait_until_ready(self, port: int) -> bool:
        """True once the web server accepts connections and the worker said it is ready."""
        deadline = time.monotonic() + READY_TIMEOUT
        while time.monotonic() < deadline and self.honcho.poll() is None:
            if not self.web_ready.is_set():
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    self.web_ready.set()
                except OSError:
                    pass
            if self.web_ready.is_set() and self.worker_ready.wait(timeout=1):
                return True
            time.sleep(0.5)
        return False

    def wait(self) -> int:
        code = self.honcho.wait()
        self.reader.join(timeout=5)
        for log in self.logs.values():
            log.close()
        return code


def main() -> int:
    # Local settings, whatever the shell has: every other entry point defaults to production.
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.local"
    os.environ.setdefault("PORT", "8000")
    os.environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    os.environ.setdefault("PYTHONUNBUFFERED", "1")  # each line reaches its log file as it is written
    port = int(os.environ["PORT"])
    LOGS.mkdir(parents=True, exist_ok=True)
    SETUP_LOG.write_text("")
    embedded = "DATABASE_URL" not in os.environ
    database_url = embedded_pg.database_url()
    if embedded:
        os.environ.setdefault("CELERY_BROKER_URL", embedded_pg.sqla_broker_url(database_url))
        print(f"Database: embedded PostgreSQL, data in {_relative(embedded_pg.PGDATA)}")
    else:
        print("Database: DATABASE_URL")
    migrated = _manage("migrate", "--noinput")
    applied = migrated.count("  Applying ")
    print(f"Migrations: {applied} applied" if applied else "Migrations: up to date")
    print("Loading the demo (the first time takes a few minutes)…", flush=True)
    summary, logins, tokens = _demo_sections(_manage("seed_demo"))
    for line in summary:
        print(f"  {line}")
    logs = ", ".join(_relative(LOGS / f"{name}.log") for name in PROCESSES)
    print(f"Starting the web server, the Celery worker and beat; their logs: {logs}", flush=True)

    processes = Processes()

    def stop(*_args) -> None:
        processes.stopping = True
        processes.honcho.terminate()

    # The terminal sends Ctrl-C to the whole process group: honcho stops its children, we wait for it.
    signal.signal(signal.SIGINT, lambda *_: setattr(processes, "stopping", True))
    signal.signal(signal.SIGTERM, stop)
    if processes.wait_until_ready(port):
        print()
        print(f"Noel is running: http://127.0.0.1:{port}/admin/  (Ctrl-C stops everything)")
        print("\n".join(logins))
        if tokens:
            print("Pull tokens of the demo feeds (shown this once; the admin's feed list makes new ones):")
            print("\n".join(f"  {line}" for line in tokens))
        else:
            print("Pull tokens: shown by the first `make run` only; the admin's feed list makes new ones.")
        print(
            f"Logs: {_relative(LOGS)}/ (web, worker, beat; setup.log for migrations and the demo)", flush=True
        )
    elif processes.honcho.poll() is None:
        print(f"make run: not ready after {READY_TIMEOUT} s; see {_relative(LOGS)}/", file=sys.stderr)
    code = processes.wait()
    if processes.stopping:
        print("Stopped.")
        return 0
    return code


if __name__ == "__main__":
    try:
        sys.exit(main())
    except subprocess.CalledProcessError as exc:
        sys.exit(
            f"make run stopped: `{' '.join(exc.cmd)}` failed (exit {exc.returncode}); "
            f"see above and {_relative(SETUP_LOG)}."
        )
