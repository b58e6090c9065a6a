"""Prices from a narrow file (sku, channel, currency, amount[, compare_at, cost]) through prices_apply_batch:
the same guard rails, history and audit as the price list and the API, with errors by row and column."""

from __future__ import annotations

from typing import IO

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from apps.core.models import Channel, User
from apps.exchange.tabular import ImportReport, Progress, import_lines
from apps.pricing.models import Price
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


class AkeneoPriceStore:
    """The prices of an Akeneo products file (its price attribute, one amount per currency) set on the
    active channels selling in each currency, where the product has no price yet: the price list, once
    set, is Noel's, and an import never overwrites it."""

    def seed(self, *, actor: User | None, prices: list[tuple[str, str, str]]) -> tuple[int, list[str]]:
        if actor is not None and not actor.has_perm("pricing.add_price"):
            reason = _("{user} may not set prices: the file's prices were not set")
            return 0, [reason.format(user=actor.get_username())]
        channels = list(Channel.objects.filter(is_active=True).order_by("code"))
        held = set(
            Price.objects.filter(product__sku__in={sku for sku, _c, _a in prices}).values_list(
                "product__sku", "channel__code"
            )
        )
        lines = [
            PriceLine(sku=sku, channel=channel.code, amount=amount, currency=currency)
            for sku, currency, amount in prices
            for channel in channels
            if channel.currency_id == currency and (sku, channel.code) not in held
        ]
        if not lines:
            return 0, []
        result = prices_apply_batch(actor=actor, lines=lines, partial=True, keep_existing=True)
        refused = [
            _("{sku} on {channel}: {reason}").format(
                sku=error["sku"], channel=lines[error["index"]].channel, reason=error["message"]
            )
            for error in result["errors"]
        ]
        return result["created"], refused
