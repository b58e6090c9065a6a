"""Writes of prices. Guard rails refuse a wrong price with a clear reason; every change is versioned
(pghistory, with who and through which path), audited, and marks the effective prices to recompute."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from typing import Any

import pghistory
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.core import context, events, idempotency
from apps.core.batches import BatchRejected, LineError, triggers_without_subtransactions
from apps.core.models import Channel, User
from apps.core.money import MoneyError, currency_exponent, to_decimal
from apps.core.services import audit_record
from apps.pricing import policies
from apps.pricing.events import EffectivePricesChanged
from apps.pricing.models import Price
from apps.pricing.modifiers import Adjustment, adjustments_at
from apps.products.models import Product


@dataclass(frozen=True)
class PriceLine:
    """One price to set, addressed by codes as integrators and files do."""

    sku: str
    channel: str
    amount: Any
    currency: str | None = None
    compare_at: Any = None
    cost: Any = None


MAX_DIGITS, MAX_DECIMALS = 8, 4  # before and after the point, as the price columns hold them


def max_change_share() -> Decimal:
    return Decimal(str(getattr(settings, "NOEL_PRICE_MAX_CHANGE", "0.5")))


def _amount(value: Any, currency: str, field: str) -> Decimal | None:
    if value in (None, ""):
        return None
    if isinstance(value, str) and len(value) > 40:
        message = _("%(start)s… is %(length)d characters: not an amount")
        raise ValidationError({field: message % {"start": value[:20], "length": len(value)}})
    try:
        amount = to_decimal(value)
    except MoneyError as exc:
        raise ValidationError({field: str(exc)}) from exc
    # what the columns hold (8 digits before the point, 4 after); quantize would fail on 1e999999
    if amount and amount.adjusted() >= MAX_DIGITS:
        message = _("%(amount)s %(currency)s is too large: prices go up to 99,999,999.99")
        raise ValidationError({field: message % {"amount": f"{amount:.6g}", "currency": currency}})
    places = currency_exponent(currency)
    if amount and amount.adjusted() < -MAX_DECIMALS:
        raise ValidationError({field: _too_precise(f"{amount:.6g}", currency, places)})
    if amount != amount.quantize(Decimal(1).scaleb(-places)):
        raise ValidationError({field: _too_precise(amount, currency, places)})
    if amount < 0:
        message = _("%(amount)s %(currency)s is negative")
        raise ValidationError({field: message % {"amount": amount, "currency": currency}})
    return amount


def _too_precise(amount: Any, currency: str, places: int) -> str:
    message = _("%(amount)s has more decimals than %(currency)s allows (%(places)d)")
    return message % {"amount": amount, "currency": currency, "places": places}


def _check(
    *, actor: User | None, product: Product, channel: Channel, currency: str, amount: Decimal,
    compare_at: Decimal | None, cost: Decimal | None, previous: Price | None, confirm: bool, reason: str,
) -> None:  # fmt: skip
    where = _("%(sku)s on %(channel)s") % {"sku": product.sku, "channel": channel.code}
    if currency != channel.currency_id:
        raise ValidationError(
            {
                "currency": _("%(where)s: %(channel)s sells in %(sold)s, not %(currency)s")
                % {"where": where, "channel": channel.code, "sold": channel.currency_id, "currency": currency}
            }
        )
    if compare_at is not None and compare_at <= amount:
        raise ValidationError(
            {
                "compare_at": _(
                    "%(where)s: the compare-at price %(compare_at)s must be above the price %(amount)s"
                )
                % {"where": where, "compare_at": compare_at, "amount": amount}
            }
        )
    if cost is not None and amount < cost:
        allowed = actor is not None and actor.has_perm("pricing.override_cost_guard")
        if not (allowed and reason.strip()):
            detail = (
                _("give a reason")
                if allowed
                else _("only a user allowed to sell below cost may, with a reason")
            )
            message = _("%(where)s: %(amount)s %(currency)s is below the cost %(cost)s; %(detail)s")
            raise ValidationError(
                {
                    "amount": message
                    % {"where": where, "amount": amount, "currency": currency, "cost": cost, "detail": detail}
                }
            )
    if previous is not None and previous.amount and not confirm:
        share = abs(amount - previous.amount) / previous.amount
        if share > max_change_share():
            raise ValidationError(
                {
                    "amount": _(
                        "%(where)s: %(before)s → %(after)s %(currency)s is a change of %(share)s %%, "
                        "more than %(max)s %%; confirm to apply it"
                    )
                    % {
                        "where": where,
                        "before": _s(previous.amount),
                        "after": _s(amount),
                        "currency": currency,
                        "share": f"{share * 100:.0f}",
                        "max": f"{max_change_share() * 100:.0f}",
                    }
                }
            )


def _history(actor: User | None, reason: str = ""):
    return pghistory.context(
        user=actor.pk if actor else None,
        username=actor.get_username() if actor else "system",
        source=context.source.get(),
        request_id=context.request_id.get(),
        reason=reason,
    )


@transaction.atomic
def price_set(
    *,
    actor: User | None,
    product: Product,
    channel: Channel,
    amount: Any,
    currency: str | None = None,
    compare_at: Any = None,
    cost: Any = None,
    confirm: bool = False,
    reason: str = "",
) -> Price:
    """Set one product's price on one channel (and the compare-at price and cost when given)."""
    line = PriceLine(product.sku, channel.code, amount, currency, compare_at, cost)
    price = _apply_line(actor, line, product, channel, confirm=confirm, reason=reason)
    _mark_changed([price])
    return price


def price_check(
    *,
    actor: User | None,
    line: PriceLine,
    product: Product,
    channel: Channel,
    confirm: bool = False,
    reason: str = "",
    lock: bool = False,
    team_checked: bool = False,
) -> tuple[Price | None, Decimal, Decimal | None, Decimal | None]:
    """Every guard rail, without writing: (current price, amount, compare-at, cost), or ValidationError.

    `team_checked`: the caller asked the pricing policy about this product already (a batch, at once)."""
    if not team_checked and (refusal := policies.price_refusal(actor, product)):
        raise ValidationError({"product": refusal})
    currency = line.currency or channel.currency_id
    current = Price.objects.select_for_update() if lock else Price.objects
    previous = current.filter(product=product, channel=channel, currency_id=currency).first()
    amount = _amount(line.amount, currency, "amount")
    if amount is None:
        raise ValidationError({"amount": f"{product.sku} on {channel.code}: a price is required"})
    compare_at = _amount(line.compare_at, currency, "compare_at")
    cost = _amount(line.cost, currency, "cost")
    if cost is None and previous is not None:
        cost = previous.cost
    _check(
        actor=actor,
        product=product,
        channel=channel,
        currency=currency,
        amount=amount,
        compare_at=compare_at,
        cost=cost,
        previous=previous,
        confirm=confirm,
        reason=reason,
    )
    return previous, amount, compare_at, cost


def _apply_line(
    actor: User | None,
    line: PriceLine,
    product: Product,
    channel: Channel,
    *,
    confirm: bool,
    reason: str,
    team_checked: bool = False,
    keep_existing: bool = False,
) -> Price:
    if keep_existing:  # a price already set stays, whatever the line says (read under lock)
        currency = line.currency or channel.currency_id
        held = Price.objects.select_for_update().filter(
            product=product, channel=channel, currency_id=currency
        )
        if (existing := held.first()) is not None:
            return existing
    previous, amount, compare_at, cost = price_check(
        actor=actor, line=line, product=product, channel=channel, confirm=confirm, reason=reason, lock=True,
        team_checked=team_checked,
    )  # fmt: skip
    currency = line.currency or channel.currency_id
    price = previous or Price(product=product, channel=channel, currency_id=currency)
    old = (price.amount, price.compare_at, price.cost) if previous else (None, None, None)
    if previous and old == (amount, compare_at, cost):
        return price
    price._changed = True  # counted by a batch: created, updated or unchanged
    price.amount, price.compare_at, price.cost, price.updated_by = amount, compare_at, cost, actor
    with _history(actor, reason):
        price.save()
    audit_record(
        actor=actor,
        action="price.set",
        object_type="price",
        object_code=f"{product.sku}@{channel.code}",
        diff={
            "amount": [_s(old[0]), _s(amount)],
            "compare_at": [_s(old[1]), _s(compare_at)],
            "cost": [_s(old[2]), _s(cost)],
            "currency": currency,
            **({"reason": reason} if reason else {}),
        },
    )
    return price


def _s(value: Decimal | None) -> str | None:
    return None if value is None else format(value.normalize(), "f")


def _mark_changed(prices: Iterable[Price]) -> None:
    effective_prices_mark_dirty({(p.product_id, p.channel_id) for p in prices})


@transaction.atomic
def prices_apply_batch(
    *,
    actor: User | None,
    lines: Sequence[PriceLine],
    idempotency_key: str | None = None,
    partial: bool = False,
    confirm: bool = False,
    idempotency_client: str | None = None,
    keep_existing: bool = False,
) -> dict[str, Any]:
    """Set many prices (ERP, shop, files). All or nothing unless `partial`; errors name the line.
    `keep_existing`: only prices the products do not have yet are set (an import seeding prices never
    overwrites the price list); a line whose price exists is left, unchanged.

    With an idempotency key, a retry of the same batch returns the first result and applies nothing;
    keys are the client's (`idempotency_client`, by default the person's).
    """
    payload = [dataclasses.asdict(line) for line in lines]
    return idempotency.run_once(
        client=idempotency.client_of(actor, idempotency_client),
        scope="prices",
        key=idempotency_key,
        payload={"lines": payload, "partial": partial, "confirm": confirm, "keep_existing": keep_existing},
        apply=lambda: _apply_batch(
            actor, lines, partial=partial, confirm=confirm, keep_existing=keep_existing
        ),
    )


def _apply_batch(
    actor: User | None,
    lines: Sequence[PriceLine],
    *,
    partial: bool,
    confirm: bool,
    keep_existing: bool = False,
) -> dict[str, Any]:
    triggers_without_subtransactions()
    channels = {c.code: c for c in Channel.objects.all()}
    products = {p.sku: p for p in Product.objects.filter(sku__in={line.sku for line in lines})}
    refused = policies.products_refused(actor, products.values())
    errors: list[LineError] = []
    applied: list[Price] = []
    known: list[tuple[tuple[int, int, str], int, Product, Channel]] = []
    outcomes = {"created": 0, "changed": 0}
    held = set(Price.objects.filter(product__in=products.values()).values_list("product_id", "channel_id"))
    for index, line in enumerate(lines):
        product, channel = products.get(line.sku), channels.get(line.channel)
        if product is None:
            errors.append(LineError(index, line.sku, "sku", f"unknown SKU {line.sku}"))
        elif channel is None:
            errors.append(LineError(index, line.sku, "channel", f"unknown channel {line.channel}"))
        elif product.pk in refused:
            errors.append(LineError(index, line.sku, "sku", refused[product.pk]))
        else:
            known.append(
                ((product.pk, channel.pk, line.currency or channel.currency_id), index, product, channel)
            )
    # Prices are locked in one global order (product, channel, currency), whatever the lines' order: two
    # batches over the same prices then wait for each other instead of deadlocking.
    known.sort(key=lambda item: (item[0], item[1]))
    for _key, index, product, channel in known:
        line = lines[index]
        try:
            price = _apply_line_once(
                actor, line, product, channel, confirm=confirm, keep_existing=keep_existing
            )
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                errors.extend(LineError(index, line.sku, field, message) for message in messages)
            continue
        if keep_existing and not getattr(price, "_changed", False):
            continue  # held already (perhaps set since the batch began): left as it is
        applied.append(price)
        if (product.pk, channel.pk) not in held:  # a new price (a line repeating it changes it)
            held.add((product.pk, channel.pk))
            outcomes["created"] += 1
            outcomes["changed"] += 1
        elif getattr(price, "_changed", False):
            outcomes["changed"] += 1
    errors.sort(key=lambda error: error.index)
    if errors and not partial:
        raise BatchRejected(errors)
    _mark_changed(applied)
    return {"applied": len(applied), **outcomes, "errors": [dataclasses.asdict(e) for e in errors]}


def _apply_line_once(
    actor: User | None,
    line: PriceLine,
    product: Product,
    channel: Channel,
    *,
    confirm: bool,
    keep_existing: bool = False,
) -> Price:
    """One line in its own savepoint. A price first set by two batches at once: the second's insert
    waits for the first to commit, then finds the row taken; read again, it is an update like any other."""
    try:
        with transaction.atomic():
            return _apply_line(
                actor, line, product, channel, confirm=confirm, reason="", team_checked=True,
                keep_existing=keep_existing,
            )  # fmt: skip
    except IntegrityError:
        with transaction.atomic():
            return _apply_line(
                actor, line, product, channel, confirm=confirm, reason="", team_checked=True,
                keep_existing=keep_existing,
            )  # fmt: skip


def round_to_ending(amount: Decimal, ending: str) -> Decimal:
    """The smallest price at or above `amount` ending in `ending` (".99": 12.37 → 12.99, 12.995 → 13.99)."""
    cents = Decimal(ending)
    whole = amount.to_integral_value(rounding=ROUND_DOWN)
    candidate = whole + cents
    return candidate if candidate >= amount else candidate + 1


@transaction.atomic
def prices_bulk_edit(
    *,
    actor: User | None,
    prices: Iterable[Price],
    operation: str,
    value: Any,
    ending: str = "",
    confirm: bool = False,
) -> int:
    """The price list's bulk edit: set, raise or lower by a percentage, then optionally end in .99 or .95."""
    number = to_decimal(value)
    prices = list(prices)
    refused = policies.products_refused(actor, {p.product_id: p.product for p in prices}.values())
    if refused:
        raise ValidationError({"product": sorted(set(refused.values()))})
    changed = []
    for price in prices:
        if operation == "set":
            amount = number
        elif operation in ("raise", "lower"):
            factor = 1 + (number / 100 if operation == "raise" else -number / 100)
            amount = price.amount * factor
        else:
            raise ValidationError({"operation": f"unknown operation {operation}"})
        if ending:
            amount = round_to_ending(amount, ending)
        amount = amount.quantize(
            Decimal(1).scaleb(-currency_exponent(price.currency_id)), rounding=ROUND_HALF_UP
        )
        line = PriceLine(
            price.product.sku,
            price.channel.code,
            amount,
            price.currency_id,
            price.compare_at if price.compare_at and price.compare_at > amount else None,
        )
        changed.append(
            _apply_line(
                actor, line, price.product, price.channel, confirm=confirm, reason="", team_checked=True
            )
        )
    _mark_changed(changed)
    return len(changed)


_NEW_ROWS = """
INSERT INTO pricing_effectiveprice (product_id, channel_id, currency, promotion, dirty)
SELECT t.product_id, t.channel_id, c.currency_id, '', true
FROM unnest(%s::bigint[], %s::bigint[]) AS t(product_id, channel_id)
JOIN core_channel c ON c.id = t.channel_id
ORDER BY t.product_id, t.channel_id
ON CONFLICT (product_id, channel_id) DO
"""
_MARK_DIRTY = _NEW_ROWS + " UPDATE SET dirty = true WHERE NOT pricing_effectiveprice.dirty"
_ADD_MISSING = _NEW_ROWS + " NOTHING"
_MARK_CHUNK = 50_000


def _upsert(sql: str, pairs: list[tuple[int, int]]) -> None:
    with connection.cursor() as cursor:
        for start in range(0, len(pairs), _MARK_CHUNK):
            chunk = pairs[start : start + _MARK_CHUNK]
            cursor.execute(sql, [[p for p, _c in chunk], [c for _p, c in chunk]])


def effective_prices_mark_dirty(pairs: Iterable[tuple[int, int]]) -> None:
    """Flag (product, channel) pairs for recompute and queue the recompute after commit.

    One INSERT … ON CONFLICT per chunk of pairs, in key order (so concurrent markers lock rows in the
    same order): a campaign marks 200,000 prices in about a second, where model instances took 20."""
    pairs = sorted(set(pairs))
    if not pairs:
        return
    _upsert(_MARK_DIRTY, pairs)
    from apps.pricing.tasks import effective_prices_recompute as task

    transaction.on_commit(task.delay)


_DIRTY_BATCH = """
SELECT e.id, e.product_id, e.channel_id, p.amount
FROM pricing_effectiveprice e
LEFT JOIN pricing_price p
    ON p.product_id = e.product_id AND p.channel_id = e.channel_id AND p.currency = e.currency
WHERE e.id IN (
    SELECT id FROM pricing_effectiveprice WHERE dirty AND id > %s ORDER BY id LIMIT %s FOR UPDATE SKIP LOCKED
)
ORDER BY e.id
"""
_PAIRS_BATCH = """
SELECT e.id, e.product_id, e.channel_id, p.amount
FROM pricing_effectiveprice e
LEFT JOIN pricing_price p
    ON p.product_id = e.product_id AND p.channel_id = e.channel_id AND p.currency = e.currency
WHERE (e.product_id, e.channel_id) IN (SELECT * FROM unnest(%s::bigint[], %s::bigint[]))
ORDER BY e.product_id, e.channel_id
FOR UPDATE OF e
"""
_WRITE_BATCH = """
UPDATE pricing_effectiveprice AS e
SET amount = t.amount, regular_amount = t.regular, promotion = t.promotion, valid_from = t.valid_from,
    valid_until = t.valid_until, dirty = false, computed_at = now()
FROM unnest(%s::bigint[], %s::numeric[], %s::numeric[], %s::varchar[], %s::timestamptz[], %s::timestamptz[])
    AS t(id, amount, regular, promotion, valid_from, valid_until)
WHERE e.id = t.id
"""


def _write(cursor, rows: list[tuple], at: datetime, channel_codes: dict[int, str]) -> None:
    """Compute locked (id, product, channel, base) rows at `at` through the modifiers, store them clean
    and announce them after commit."""
    priced = [(product, channel, base) for _id, product, channel, base in rows if base is not None]
    adjustments: dict[tuple[int, int], Adjustment] = adjustments_at(priced, at)
    columns: tuple[list, ...] = ([], [], [], [], [], [])
    for row_id, product, channel, base in rows:
        adjustment = adjustments.get((product, channel)) if base is not None else None
        values = (row_id, adjustment.amount if adjustment else base, base)
        values += (
            (adjustment.promotion, adjustment.valid_from, adjustment.valid_until)
            if adjustment
            else ("", None, None)
        )
        for column, value in zip(columns, values, strict=True):
            column.append(value)
    cursor.execute(_WRITE_BATCH, list(columns))
    events.publish(
        EffectivePricesChanged(
            product_ids=tuple(sorted({product for _id, product, _c, _b in rows})),
            channel_codes=tuple(sorted({channel_codes[channel] for _id, _p, channel, _b in rows})),
        )
    )


def effective_prices_recompute(*, at: datetime | None = None, batch: int = 10_000) -> int:
    """Recompute dirty effective prices in batches of set-based SQL.

    Rows are locked in primary-key order and rows another worker holds are skipped, so concurrent
    recomputes neither deadlock nor do the same work twice. Each batch starts after the last id done:
    inside one transaction the rows just cleaned stay in the dirty index until commit, and scanning
    them again at every batch would grow with the square of the rows. A row marked behind that point
    meanwhile is left to the recompute its marking queued.
    """
    at = at or timezone.now()
    channel_codes = dict(Channel.objects.values_list("pk", "code"))
    total, after = 0, 0
    while True:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(_DIRTY_BATCH, [after, batch])
            rows = cursor.fetchall()
            if not rows:
                return total
            after = rows[-1][0]
            _write(cursor, rows, at, channel_codes)
        total += len(rows)


def effective_prices_refresh(
    pairs: Iterable[tuple[int, int]], *, at: datetime | None = None, batch: int = 10_000
) -> int:
    """Recompute these (product, channel) pairs now, in the caller's transaction: for a switch that
    must commit together with its cause (a campaign's status). Each price is written once, where
    marking it dirty and then recomputing it wrote it twice. Rows are locked in the order markers use."""
    pairs = sorted(set(pairs))
    if not pairs:
        return 0
    at = at or timezone.now()
    channel_codes = dict(Channel.objects.values_list("pk", "code"))
    _upsert(_ADD_MISSING, pairs)
    with connection.cursor() as cursor:
        for start in range(0, len(pairs), batch):
            chunk = pairs[start : start + batch]
            cursor.execute(_PAIRS_BATCH, [[p for p, _c in chunk], [c for _p, c in chunk]])
            _write(cursor, cursor.fetchall(), at, channel_codes)
    return len(pairs)
