"""Shopify's stock counts (`Variant Inventory Qty`), set at the location the person names, through the
stock services (the same checks, movements, audit and sold-out events as the API)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from apps.core.models import User
from apps.inventory.models import StockLocation
from apps.inventory.services import StockLine, stock_apply_batch


def stock_location_refusal(*, actor: User | None, code: str) -> str | None:
    """Why the counts cannot go to this location (unknown, closed, not allowed), or None."""
    if actor is not None and not actor.has_perm("inventory.change_stocklevel"):
        return _("{user} may not import stock").format(user=actor.get_username())
    location = StockLocation.objects.filter(code=code).first()
    if location is None:
        known = ", ".join(StockLocation.objects.filter(is_active=True).values_list("code", flat=True))
        reason = _("unknown stock location {code} (known: {known})")
        return reason.format(code=code, known=known or "none")
    if not location.is_active:
        return _("the stock location {code} is closed").format(code=code)
    return None


def stock_locations(*, actor: User | None) -> list[tuple[str, str]]:
    """The open locations the counts may go to, (code, label)."""
    if actor is not None and not actor.has_perm("inventory.change_stocklevel"):
        return []
    return [
        (code, f"{name} ({code})")
        for code, name in StockLocation.objects.filter(is_active=True)
        .order_by("name")
        .values_list("code", "name")
    ]


def stock_count(*, actor: User | None, location: str, counts: list[tuple[str, int]]) -> int:
    """Set the quantities on hand of (SKU, quantity) at `location`; how many levels changed.
    Raises BatchRejected, by line, when a count is refused (nothing set)."""
    lines = [StockLine(sku=sku, location=location, quantity=quantity) for sku, quantity in counts]
    return stock_apply_batch(actor=actor, lines=lines)["changed"]
