import json
import os
import subprocess

import pytest

from config import embedded_pg


def test_handles_of_dead_processes_are_forgotten_so_the_server_can_stop(tmp_path):
    dead = subprocess.Popen(["true"])
    dead.wait()
    (tmp_path / ".handle_pids.json").write_text(json.dumps([os.getpid(), dead.pid]))
    assert embedded_pg._forget_dead_handles(tmp_path) == [dead.pid]
    assert json.loads((tmp_path / ".handle_pids.json").read_text()) == [os.getpid()]


def test_a_broken_data_folder_is_reported_with_what_to_do_and_left_in_place(tmp_path):
    pgdata = tmp_path / "pg"
    pgdata.mkdir()
    (pgdata / "PG_VERSION").write_text("18\n")  # looks initialised, but holds no cluster
    with pytest.raises(embedded_pg.EmbeddedPostgresError) as excinfo:
        embedded_pg.start(pgdata)
    message = str(excinfo.value)
    assert "mv var/pg var/pg.broken" in message and "Nothing was deleted" in message
    assert (pgdata / "PG_VERSION").exists()


def test_the_broker_url_is_derived_from_the_database_url():
    assert (
        embedded_pg.sqla_broker_url("postgresql://postgres:@/noel?host=/x/var/pg")
        == "sqla+postgresql+psycopg://postgres:@/noel?host=/x/var/pg"
    )
    with pytest.raises(ValueError, match="PostgreSQL"):
        embedded_pg.sqla_broker_url("mysql://root@localhost/noel")
