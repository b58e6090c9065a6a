"""Run benchmarks and keep their latest output in one file, bench/RESULTS.md, one section each.

`make bench` runs every `bench/bench_*.py`; `make bench BENCH="tabular feed"` only those, replacing
their sections and leaving the others as they were. The file says when and on what each section was
measured; its history is git's (`git log -p bench/RESULTS.md`). A benchmark that fails keeps its previous
section and makes the run fail.
"""

from __future__ import annotations

import os
import platform
import re
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "RESULTS.md"
HEADER = (
    "# Benchmark results\n\n"
    "The latest output of each benchmark, written by `make bench` (bench/run.py). What each measures and\n"
    "its targets: docs/benchmarks.md. Earlier figures: `git log -p bench/RESULTS.md`.\n"
)
_SECTION = re.compile(r"^## (bench_\w+\.py)\n(.*?)(?=^## |\Z)", re.M | re.S)


def _sections(text: str) -> dict[str, str]:
    return dict(_SECTION.findall(text))


def _wanted(args: list[str]) -> list[Path]:
    every = sorted(HERE.glob("bench_*.py"))
    if not args:
        return every
    chosen = [path for path in every if any(arg in path.stem for arg in args)]
    if not chosen:
        sys.exit(f"no benchmark matches {' '.join(args)}; there are: {', '.join(p.stem for p in every)}")
    return chosen


def _machine() -> str:
    """What the figures depend on besides the code: cores, Python, and how busy the host was."""
    load = os.getloadavg()[0]
    python = f"{platform.python_implementation()} {platform.python_version()}"
    return f"{os.cpu_count()} cores, {python}, load average {load:.1f} when it finished"


def main(args: list[str]) -> int:
    sections = _sections(RESULTS.read_text()) if RESULTS.exists() else {}
    failed = []
    for path in _wanted(args):
        print(f"== {path.name}", flush=True)
        run = subprocess.run([sys.executable, str(path)], capture_output=True, text=True)
        sys.stdout.write(run.stdout)
        sys.stderr.write(run.stderr)
        if run.returncode:
            failed.append(path.name)
            continue
        when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
        sections[path.name] = f"\n{when}, {_machine()}\n\n```\n{run.stdout.strip()}\n```\n\n"
    body = "".join(f"## {name}\n{sections[name]}" for name in sorted(sections))
    RESULTS.write_text(f"{HEADER}\n{body}".rstrip() + "\n")
    if failed:
        print(f"failed (previous figures kept): {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
