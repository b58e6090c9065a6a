"""Writes of the store page app: which store is a person's home store."""

from __future__ import annotations

from django.db import transaction

from apps.core.models import User
from apps.core.services import audit_record
from apps.inventory.models import StockLocation
from apps.stores.models import StaffStore


@transaction.atomic
def staff_store_set(*, actor: User | None, user: User, location: StockLocation | None) -> StaffStore | None:
    """Attach a person to a home store (None detaches): the store page opens on it."""
    before = StaffStore.objects.select_related("location").filter(user=user).first()
    old = before.location.code if before else None
    if location is None:
        if before is not None:
            before.delete()
        link = None
    else:
        link = before or StaffStore(user=user)
        link.location = location
        link.full_clean()
        link.save()
    audit_record(
        actor=actor,
        action="staff_store.set",
        object_type="user",
        object_code=user.get_username(),
        diff={"home_store": [old, location.code if location else None]},
    )
    return link
