"""Prices from a narrow file (sku, channel, currency, amount[, compare_at, cost]) through prices_apply_batch:
the same guard rails, history and audit as the price list and the API, with errors by row and column."""

from __future__ import annotations

from typing import IO

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from apps.core.models import User
from apps.exchange.tabular import ImportReport, Progress, import_lines
from apps.pricing.services import PriceLine, prices_apply_batch

COLUMNS = ("sku", "channel", "amount")
OPTIONAL = ("currency", "compare_at", "cost")


def prices_import(
    *,
    actor: User | None,
    handle: IO[bytes],
    name: str = "",
    skip_invalid: bool = False,
    dry_run: bool = False,
    progress: Progress | None = None,
    confirm: bool = False,
) -> ImportReport:
    """Set the prices of a file; `confirm` lets changes above NOEL_PRICE_MAX_CHANGE through, as in the API."""
    if actor is not None and not actor.has_perm("pricing.change_price"):
        raise PermissionDenied(_("{user} may not import prices").format(user=actor.get_username()))

    def parse(row: dict[str, str]) -> PriceLine:
        for column in COLUMNS:
            if not row[column]:
                raise ValueError(column, _("{column} is empty").format(column=column))
        return PriceLine(
            sku=row["sku"],
            channel=row["channel"],
            amount=row["amount"].replace(",", "."),
            currency=row.get("currency") or None,
            compare_at=row.get("compare_at", "").replace(",", ".") or None,
            cost=row.get("cost", "").replace(",", ".") or None,
        )

    return import_lines(
        handle=handle,
        name=name,
        required=COLUMNS,
        optional=OPTIONAL,
        parse=parse,
        apply=lambda lines: prices_apply_batch(actor=actor, lines=lines, partial=True, confirm=confirm),
        skip_invalid=skip_invalid,
        dry_run=dry_run,
        progress=progress,
    )
