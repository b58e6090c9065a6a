"""`make run` keeps its console quiet: each process's output goes to var/log/<process>.log, error lines
reach the console too, and the demo's logins and pull tokens are kept for the end (out of the log file)."""

import sys
import time

import pytest

from config import launcher

SEED_OUTPUT = """Demo logins (password for all: noel-demo-2026):
  merchandiser   Merchandiser       (created)
  admin          Administrator      (created)
Catalog: 600 products created
Feed google/products: pull token (shown once) noel_debe9bf6_POEyK4MMpfRWrCrfINZHcRUL6NTOEqahtl_qV4fmbHQ
Store page: /store/ — sign in as store (home store Noël Paris Opéra)
"""


def test_the_demo_output_is_split_into_summary_logins_and_pull_tokens():
    summary, logins, tokens = launcher._demo_sections(SEED_OUTPUT)
    assert summary == [
        "Catalog: 600 products created",
        "Store page: /store/ — sign in as store (home store Noël Paris Opéra)",
    ]
    assert logins[0].startswith("Demo logins") and [line.split()[0] for line in logins[1:]] == [
        "merchandiser",
        "admin",
    ]
    assert tokens == [SEED_OUTPUT.splitlines()[4]]


@pytest.fixture
def checkout(tmp_path, monkeypatch):
    """A checkout whose Procfile's processes say something ordinary, then one error each."""
    procfile = tmp_path / "Procfile.local"
    say = (
        f"{sys.executable} -c \"import sys, time; print('request served'); "
        "print('2026-12-07 22:00:00,000 ERROR {name} it broke', file=sys.stderr); time.sleep(30)\""
    )
    procfile.write_text("".join(f"{name}: {say.format(name=name)}\n" for name in launcher.PROCESSES))
    monkeypatch.setattr(launcher, "BASE_DIR", tmp_path)
    monkeypatch.setattr(launcher, "PROCFILE", procfile)
    monkeypatch.setattr(launcher, "LOGS", tmp_path / "var" / "log")
    (tmp_path / "var" / "log").mkdir(parents=True)
    return tmp_path


def test_each_process_writes_to_its_own_log_and_only_errors_reach_the_console(checkout, capsys):
    processes = launcher.Processes()
    logs = {name: checkout / "var" / "log" / f"{name}.log" for name in launcher.PROCESSES}
    try:
        for _ in range(200):
            if all("it broke" in path.read_text() for path in logs.values()):
                break
            time.sleep(0.1)
    finally:
        processes.stopping = True
        processes.honcho.terminate()
        processes.wait()
    for name, path in logs.items():
        text = path.read_text()
        assert "request served" in text and f"ERROR {name} it broke" in text, (name, text)
    console = capsys.readouterr()
    assert "request served" not in console.out + console.err
    for name in launcher.PROCESSES:
        assert f"{name}: 2026-12-07 22:00:00,000 ERROR {name} it broke  (more in var/log/{name}.log)" in (
            console.err
        )


def test_the_setup_log_keeps_only_the_prefix_of_a_pull_token():
    assert launcher.TOKEN.sub(r"\1_… (shown on the console)", SEED_OUTPUT.splitlines()[4]) == (
        "Feed google/products: pull token (shown once) noel_debe9bf6_… (shown on the console)"
    )
