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
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditLog.objects.filter(pk=entry.pk).update(action="forged")
    assert AuditLog.objects.get(pk=entry.pk).action == "x"


def test_audit_log_refuses_deletes():
    entry = services.audit_record(actor=None, action="x", object_type="t", object_code="1")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
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
