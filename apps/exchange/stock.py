"""Stock counts from a narrow file (sku, location, quantity) through stock_apply_batch: the same checks,
movements, audit and sold-out events as the API, with errors by row and column."""

from __future__ import annotations

from typing import IO

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from apps.core.models import User
from apps.exchange.tabular import ImportReport, Progress, import_lines
from apps.inventory.models import StockLocation
from apps.inventory.services import StockLine, stock_apply_batch

COLUMNS = ("sku", "location", "quantity")


def stock_import(
    *,
    actor: User | None,
    handle: IO[bytes],
    name: str = "",
    skip_invalid: bool = False,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> ImportReport:
    """Set the quantities on hand of a file (absolute counts, as a stock take gives them)."""
    if actor is not None and not actor.has_perm("inventory.change_stocklevel"):
        raise PermissionDenied(_("{user} may not import stock").format(user=actor.get_username()))

    def parse(row: dict[str, str]) -> StockLine:
        for column in COLUMNS:
            if not row[column]:
                raise ValueError(column, _("{column} is empty").format(column=column))
        try:
            quantity = int(row["quantity"])
        except ValueError:
            raise ValueError(
                "quantity", _("{value!r} is not a whole number").format(value=row["quantity"])
            ) from None
        return StockLine(sku=row["sku"], location=row["location"], quantity=quantity)

    return import_lines(
        handle=handle,
        name=name,
        required=COLUMNS,
        optional=(),
        parse=parse,
        apply=lambda lines: stock_apply_batch(actor=actor, lines=lines, partial=True),
        skip_invalid=skip_invalid,
        dry_run=dry_run,
        progress=progress,
    )


class ShopifyStockStore:
    """The counts of Shopify's product CSV (`Variant Inventory Qty`), at the location the user names."""

    def location_refusal(self, *, actor: User | None, code: str) -> str | None:
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

    def locations(self, *, actor: User | None) -> list[tuple[str, str]]:
        if actor is not None and not actor.has_perm("inventory.change_stocklevel"):
            return []
        return [
            (code, f"{name} ({code})")
            for code, name in StockLocation.objects.filter(is_active=True)
            .order_by("name")
            .values_list("code", "name")
        ]

    def count(self, *, actor: User | None, location: str, counts: list[tuple[str, int]]) -> int:
        lines = [StockLine(sku=sku, location=location, quantity=quantity) for sku, quantity in counts]
        return stock_apply_batch(actor=actor, lines=lines)["changed"]
