"""Every test starts on the database as `migrate` leaves it, whatever ran before it in its process.

A test that commits (`django_db(transaction=True)`, the browser journeys' live server, the Celery worker
fixtures) is cleaned up by emptying every table. Django then sends post_migrate, so what Noel ensures after
every migrate comes back (roles and their permissions, locales and currencies, the periodic jobs), but the
rows that only a data migration creates (the rendition specs) would be gone for the next tests of that
process, and which tests those are depends on the order and on how pytest-xdist shares the suite out.

So after each flush the project's data migrations run again: their own code, on the historical models they
were written against, as `migrate` runs them. They are written to be run again (get_or_create), and on an
emptied database a migration that only changes existing rows changes nothing.
"""

from __future__ import annotations

from django.apps import apps as global_apps
from django.db import connections
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.operations.special import RunPython
from django.db.models.signals import post_migrate

# The rows per table of the test database just after `migrate`, before any test (tests/conftest.py).
MIGRATED: dict[str, int] = {}
# Per database alias: [(historical apps, RunPython operation)] in migration order, built on the first flush.
_replays: dict[str, list] = {}


def _project_labels() -> set[str]:
    return {config.label for config in global_apps.get_app_configs() if config.name.startswith("apps.")}


def data_migrations(using: str) -> list:
    """The RunPython operations of Noel's own migrations, in the order `migrate` runs them, each with the
    models as they stood at that point of the migration."""
    if using not in _replays:
        executor = MigrationExecutor(connections[using])
        loader = executor.loader
        ours = _project_labels()
        replays = []
        plan = executor.migration_plan(loader.graph.leaf_nodes(), clean_start=True)
        for migration, _backwards in plan:
            if migration.app_label not in ours:
                continue
            if not any(isinstance(op, RunPython) for op in migration.operations):
                continue
            state = loader.project_state((migration.app_label, migration.name), at_end=False)
            for operation in migration.operations:
                if isinstance(operation, RunPython):
                    replays.append((state.apps, operation))
                    state = state.clone()
                else:
                    operation.state_forwards(migration.app_label, state)
        _replays[using] = replays
    return _replays[using]


def replay_data_migrations(using: str) -> None:
    connection = connections[using]
    with connection.schema_editor() as schema_editor:
        for historical_apps, operation in data_migrations(using):
            operation.code(historical_apps, schema_editor)


def _after_flush(sender, using, plan=None, **kwargs) -> None:
    # `migrate` sends post_migrate with its plan (and has just run the migrations itself); `flush` without.
    # It is sent once per app: act on the last, once every app's own handlers have run.
    if plan is None and sender is [c for c in global_apps.get_app_configs() if c.models_module][-1]:
        replay_data_migrations(using)


post_migrate.connect(_after_flush, dispatch_uid="tests_replay_data_migrations_after_flush")


def row_counts(using: str = "default") -> dict[str, int]:
    """How many rows each table holds."""
    connection = connections[using]
    with connection.cursor() as cursor:
        counts = {}
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT count(*) FROM {connection.ops.quote_name(table)}")
            counts[table] = cursor.fetchone()[0]
    return {table: count for table, count in counts.items() if count}
