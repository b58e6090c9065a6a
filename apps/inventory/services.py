"""Writes of stock. Batches are all-or-nothing unless partial, idempotent with a key, lock rows in
primary-key order, keep every movement, and announce what sold out or came back after commit."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from apps.core import context, events, idempotency
from apps.core.batches import BatchRejected, LineError
from apps.core.models import User
from apps.core.services import audit_record
from apps.inventory import policies, selectors
from apps.inventory.events import StockChanged
from apps.inventory.models import StockLevel, StockLocation
from apps.products.models import Product


@dataclass(frozen=True)
class StockLine:
    """One stock update, addressed by codes: an absolute `quantity` on hand, or a `delta` to add."""

    sku: str
    location: str
    quantity: int | None = None
    delta: int | None = None


# The most units a level may hold or a line move: a billion, well inside PostgreSQL's integer.
MAX_QUANTITY = 1_000_000_000


class InsufficientStock(ValidationError):
    pass


_CREATE_MISSING = """
INSERT INTO inventory_stocklevel (product_id, location_id, on_hand, reserved, updated_at)
SELECT p, l, 0, 0, now() FROM unnest(%s::bigint[], %s::bigint[]) AS t(p, l)
ON CONFLICT (product_id, location_id) DO NOTHING
"""
_SET_ON_HAND = """
UPDATE inventory_stocklevel AS l SET on_hand = t.on_hand, updated_at = now()
FROM unnest(%s::bigint[], %s::integer[]) AS t(id, on_hand) WHERE l.id = t.id
"""
_COPY_MOVEMENTS = (
    "COPY inventory_stockmovement (level_id, on_hand_before, on_hand_after, reserved_before, reserved_after,"
    " source, actor_label, request_id, created_at) FROM STDIN"
)


def _execute(sql: str, params: list) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


@transaction.atomic
def stock_apply_batch(
    *,
    actor: User | None,
    lines: Sequence[StockLine],
    idempotency_key: str | None = None,
    partial: bool = False,
    idempotency_client: str | None = None,
) -> dict:
    """Apply stock counts or movements from an ERP, a shop or a store, in a few statements. Idempotency
    keys are the client's (`idempotency_client`, by default the person's)."""
    payload = {"lines": [dataclasses.asdict(line) for line in lines], "partial": partial}
    return idempotency.run_once(
        client=idempotency.client_of(actor, idempotency_client),
        scope="stock",
        key=idempotency_key,
        payload=payload,
        apply=lambda: _apply(actor, lines, partial),
    )


def _apply(actor: User | None, lines: Sequence[StockLine], partial: bool) -> dict:
    products = dict(Product.objects.filter(sku__in={line.sku for line in lines}).values_list("sku", "pk"))
    locations = dict(
        StockLocation.objects.filter(code__in={line.location for line in lines}).values_list("code", "pk")
    )
    refused = policies.products_refused(actor, products)
    errors: list[LineError] = []
    wanted: list[tuple[int, int, int, StockLine]] = []
    for index, line in enumerate(lines):
        if line.sku not in products:
            errors.append(LineError(index, line.sku, "sku", f"unknown SKU {line.sku}"))
        elif line.sku in refused:
            errors.append(LineError(index, line.sku, "sku", refused[line.sku]))
        elif line.location not in locations:
            errors.append(LineError(index, line.sku, "location", f"unknown location {line.location}"))
        elif (line.quantity is None) == (line.delta is None):
            errors.append(LineError(index, line.sku, "quantity", "give either quantity (absolute) or delta"))
        elif line.quantity is not None and line.quantity < 0:
            errors.append(LineError(index, line.sku, "quantity", f"quantity {line.quantity} is negative"))
        elif line.quantity is not None and line.quantity > MAX_QUANTITY:
            errors.append(
                LineError(index, line.sku, "quantity", f"quantity {line.quantity} is above {MAX_QUANTITY}")
            )
        elif line.delta is not None and abs(line.delta) > MAX_QUANTITY:
            errors.append(
                LineError(index, line.sku, "delta", f"delta {line.delta} is beyond ±{MAX_QUANTITY}")
            )
        else:
            wanted.append((index, products[line.sku], locations[line.location], line))
    pairs = sorted({(p, loc) for _i, p, loc, _l in wanted})
    _execute(_CREATE_MISSING, [[p for p, _ in pairs], [loc for _, loc in pairs]])
    levels: dict[tuple[int, int], StockLevel] = {}
    for start in range(0, len(pairs), 5000):
        chunk = pairs[start : start + 5000]
        rows = (
            StockLevel.objects.select_for_update()
            .filter(product_id__in={p for p, _ in chunk}, location_id__in={loc for _, loc in chunk})
            .order_by("pk")
        )
        levels.update({(r.product_id, r.location_id): r for r in rows})
    product_ids = sorted({p for p, _ in pairs})
    before = selectors.available_to_sell(product_ids)
    originals = {key: (lvl.on_hand, lvl.reserved) for key, lvl in levels.items()}
    for index, product_id, location_id, line in wanted:
        level = levels[(product_id, location_id)]
        new = line.quantity if line.quantity is not None else level.on_hand + line.delta
        if new < 0:
            errors.append(
                LineError(
                    index, line.sku, "delta", f"{level.on_hand} on hand {line.delta:+d} would go below zero"
                )
            )
            continue
        if new > MAX_QUANTITY:
            errors.append(
                LineError(
                    index,
                    line.sku,
                    "delta",
                    f"{level.on_hand} on hand {line.delta:+d} is above {MAX_QUANTITY}",
                )
            )
            continue
        level.on_hand = new
    if errors and not partial:
        raise BatchRejected(errors)
    changed = [lvl for key, lvl in levels.items() if (lvl.on_hand, lvl.reserved) != originals[key]]
    _execute(_SET_ON_HAND, [[lvl.pk for lvl in changed], [lvl.on_hand for lvl in changed]])
    _record(changed, originals, actor)
    crossed = _crossed_zero(before, product_ids)
    audit_record(
        actor=actor,
        action="stock.apply",
        object_type="stock",
        object_code=f"{len(changed)} levels",
        diff={"lines": len(lines), "changed": len(changed), "errors": len(errors)},
    )
    events.publish(
        StockChanged(product_ids=tuple(sorted({lvl.product_id for lvl in changed})), crossed_zero=crossed)
    )
    return {
        "applied": len(wanted) - len([e for e in errors if e.field == "delta"]),
        "changed": len(changed),
        "errors": [dataclasses.asdict(e) for e in errors],
    }


def _record(levels: Sequence[StockLevel], originals: dict, actor: User | None) -> None:
    """One movement row per changed level, written with COPY (thousands per batch)."""
    label = actor.get_username() if actor else "system"
    source, request, now = context.source.get(), context.request_id.get(), timezone.now()
    with connection.cursor() as cursor, cursor.cursor.copy(_COPY_MOVEMENTS) as copy:
        for lvl in levels:
            on_hand_before, reserved_before = originals[(lvl.product_id, lvl.location_id)]
            copy.write_row(
                (
                    lvl.pk,
                    on_hand_before,
                    lvl.on_hand,
                    reserved_before,
                    lvl.reserved,
                    source,
                    label,
                    request,
                    now,
                )
            )


def _crossed_zero(before: dict[tuple[int, str], int], product_ids: list[int]) -> tuple[tuple[int, str], ...]:
    after = selectors.available_to_sell(product_ids)
    return tuple(sorted(key for key, qty in after.items() if (qty > 0) != (before.get(key, 0) > 0)))


def _move(*, actor: User | None, sku: str, location: str, on_hand: int = 0, reserved: int = 0) -> StockLevel:
    """Change one level in a single conditional UPDATE: nothing goes below zero, and a move that lowers
    what can be sold (on hand − reserved) is refused when not enough is left, whatever runs concurrently."""
    level = StockLevel.objects.select_related("product", "location").get(
        product__sku=sku, location__code=location
    )
    before = selectors.available_to_sell([level.product_id])
    guarded = StockLevel.objects.filter(pk=level.pk, on_hand__gte=-on_hand, reserved__gte=-reserved)
    if on_hand - reserved < 0:
        guarded = guarded.filter(on_hand__gte=F("reserved") + reserved - on_hand)
    if not guarded.update(on_hand=F("on_hand") + on_hand, reserved=F("reserved") + reserved):
        level.refresh_from_db()
        raise InsufficientStock(
            f"{sku} at {location}: {level.on_hand} on hand, {level.reserved} reserved; "
            f"cannot move on hand {on_hand:+d}, reserved {reserved:+d}"
        )
    originals = {(level.product_id, level.location_id): (level.on_hand, level.reserved)}
    level.refresh_from_db()
    _record([level], originals, actor)
    events.publish(
        StockChanged(product_ids=(level.product_id,), crossed_zero=_crossed_zero(before, [level.product_id]))
    )
    return level


@transaction.atomic
def stock_reserve(*, actor: User | None, sku: str, location: str, quantity: int) -> StockLevel:
    """Hold `quantity` for an order; refused when it would oversell, whatever runs concurrently."""
    return _move(actor=actor, sku=sku, location=location, reserved=quantity)


@transaction.atomic
def stock_release(*, actor: User | None, sku: str, location: str, quantity: int) -> StockLevel:
    return _move(actor=actor, sku=sku, location=location, reserved=-quantity)


@transaction.atomic
def stock_sell(
    *, actor: User | None, sku: str, location: str, quantity: int, reserved: bool = False
) -> StockLevel:
    """Take sold items off the shelf (and off the reservation when they were reserved)."""
    return _move(
        actor=actor, sku=sku, location=location, on_hand=-quantity, reserved=-quantity if reserved else 0
    )
