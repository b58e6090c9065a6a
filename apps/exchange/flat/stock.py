"""Stock counts from a narrow file (sku, location, quantity) through stock_apply_batch: the same checks,
movements, audit and sold-out events as the API, with errors by row and column."""

from __future__ import annotations

from typing import IO

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from apps.core.models import User
from apps.exchange.tabular import ImportReport, Progress, import_lines
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
