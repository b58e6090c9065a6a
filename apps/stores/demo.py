"""Demo: the store staff account works in the Paris store."""

from __future__ import annotations

from typing import TextIO

from apps.core.models import User
from apps.inventory.models import StockLocation
from apps.stores.services import staff_store_set

DEMO_STAFF = [("store", "PARIS-01")]


def seed(*, products: int, out: TextIO) -> None:
    for username, code in DEMO_STAFF:
        user = User.objects.filter(username=username).first()
        store = StockLocation.objects.filter(code=code).first()
        if user is None or store is None:
            continue
        if not hasattr(user, "home_store"):
            staff_store_set(actor=None, user=user, location=store)
        out.write(f"Store page: /store/ — sign in as {username} (home store {store.name})\n")
