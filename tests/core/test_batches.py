import gc

import pytest
from django.db import IntegrityError, connection, transaction

from apps.core.batches import constraints_checked_per_statement, cyclic_gc_paused


def test_the_cyclic_collector_is_paused_for_a_bulk_job_and_resumed_after_it_even_when_it_fails():
    assert gc.isenabled()
    with pytest.raises(RuntimeError), cyclic_gc_paused():
        assert not gc.isenabled()
        raise RuntimeError("a refused import")
    assert gc.isenabled()


def test_a_job_inside_a_paused_one_leaves_the_collector_paused_until_the_outer_one_ends():
    with cyclic_gc_paused():
        with cyclic_gc_paused():
            pass
        assert not gc.isenabled()
    assert gc.isenabled()


def _orphan_insert() -> None:
    """An audit row naming a user who does not exist (its foreign key is deferred by default)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO core_auditlog (created_at, actor_id, actor_label, action, object_type, object_code,"
            " diff, source, request_id) VALUES (now(), -1, '', 'x', 'x', 'x', '{}', 'system', '')"
        )


def test_inside_a_bulk_write_a_broken_reference_fails_its_statement_then_checks_are_deferred_again(db):
    with constraints_checked_per_statement(), pytest.raises(IntegrityError), transaction.atomic():
        _orphan_insert()
    with transaction.atomic():
        sid = transaction.savepoint()
        _orphan_insert()  # deferred again: accepted until the end of the transaction
        transaction.savepoint_rollback(sid)
