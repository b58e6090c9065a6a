import pytest
from django.db import DatabaseError, transaction

from apps.core import context, services
from apps.core.models import AuditLog
from apps.core.selectors import audit_trail
from tests.core.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_audit_record_keeps_actor_source_request_and_diff():
    user = UserFactory(username="margot")
    with context.bound(request="req-123", origin="api"):
        entry = services.audit_record(
            actor=user,
            action="product.update",
            object_type="product",
            object_code="SKU-1",
            diff={"name": ["a", "b"]},
        )
    entry.refresh_from_db()
    assert (entry.actor, entry.actor_label, entry.source, entry.request_id) == (
        user,
        "margot",
        "api",
        "req-123",
    )
    assert entry.diff == {"name": ["a", "b"]}


def test_audit_log_refuses_updates_even_outside_the_orm():
    entry = services.audit_record(actor=None, action="x", object_type="t", object_code="1")
    with (
        pytest.raises(DatabaseError, match="Cannot update or delete rows from core_auditlog"),
        transaction.atomic(),
    ):
        AuditLog.objects.filter(pk=entry.pk).update(action="forged")
    assert AuditLog.objects.get(pk=entry.pk).action == "x"


def test_audit_log_refuses_deletes():
    entry = services.audit_record(actor=None, action="x", object_type="t", object_code="1")
    with (
        pytest.raises(DatabaseError, match="Cannot update or delete rows from core_auditlog"),
        transaction.atomic(),
    ):
        AuditLog.objects.filter(pk=entry.pk).delete()
    assert AuditLog.objects.filter(pk=entry.pk).exists()


def test_audit_trail_lists_one_objects_history_newest_first():
    for action in ("create", "update", "approve"):
        services.audit_record(actor=None, action=action, object_type="product", object_code="SKU-9")
    services.audit_record(actor=None, action="create", object_type="product", object_code="SKU-8")
    assert [e.action for e in audit_trail(object_type="product", object_code="SKU-9")] == [
        "approve",
        "update",
        "create",
    ]


def test_a_failed_write_leaves_no_audit_row():
    with pytest.raises(RuntimeError), transaction.atomic():
        services.audit_record(actor=None, action="doomed", object_type="t", object_code="1")
        raise RuntimeError
    assert not AuditLog.objects.filter(action="doomed").exists()


def test_audit_diff_reads_back_in_the_order_it_was_written_whichever_the_path():
    # jsonb would hand the keys back shortest first ("sku" before "family"), not as the service wrote them
    diff = {"family": [None, "toys"], "sku": [None, "SKU-1"], "name-fr_FR": [None, "Jouet"], "n": [1, 2]}
    single = services.audit_record(actor=None, action="one", object_type="t", object_code="1", diff=diff)
    services.audit_record_many([{"actor": None, "action": "many", "object_type": "t", "object_code": "2",
                                 "diff": diff}])  # fmt: skip
    for entry in (AuditLog.objects.get(pk=single.pk), AuditLog.objects.get(action="many")):
        assert list(entry.diff.items()) == list(diff.items())


def test_audit_diff_holds_text_as_typed_and_empty_diffs():
    diff = {"description": [None, 'Un "jouet"\\n en bois\n\tfait main — ünïcode'], "empty": [{}, []]}
    entry = services.audit_record(actor=None, action="x", object_type="t", object_code="1", diff=diff)
    bare = services.audit_record(actor=None, action="y", object_type="t", object_code="1")
    services.audit_record_many([{"actor": None, "action": "z", "object_type": "t", "object_code": "1",
                                 "diff": diff}])  # fmt: skip
    assert AuditLog.objects.get(pk=entry.pk).diff == diff
    assert AuditLog.objects.get(pk=bare.pk).diff == {}
    assert AuditLog.objects.get(action="z").diff == diff
