"""How promotions change prices at an instant, in one place for the stored recompute and for previews.

Upper apps (campaigns) register a modifier; pricing never imports them. The recompute that fills
EffectivePrice and the feed preview at a future instant both call `adjustments_at`, so what a channel
will show on 1 December and what it shows when 1 December comes are the same computation.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal


@dataclass(frozen=True)
class Adjustment:
    """What a price modifier (a promotion) does to one product on one channel."""

    amount: Decimal
    promotion: str
    valid_from: datetime | None = None
    valid_until: datetime | None = None


PriceModifier = Callable[[Sequence[tuple[int, int, Decimal]], datetime], dict[tuple[int, int], Adjustment]]
_modifiers: list[PriceModifier] = []


def price_modifier_register(modifier: PriceModifier) -> None:
    if modifier not in _modifiers:
        _modifiers.append(modifier)


def price_modifier_unregister(modifier: PriceModifier) -> None:
    if modifier in _modifiers:
        _modifiers.remove(modifier)


# A preview may show promotions still awaiting approval "as if approved" (a marketer checking what a
# submitted campaign will do); set only by preview screens and preview runs, never by a published build.
_awaiting_approval: ContextVar[bool] = ContextVar("noel_awaiting_approval", default=False)


@contextmanager
def awaiting_approval_included(include: bool = True) -> Iterator[None]:
    token = _awaiting_approval.set(include)
    try:
        yield
    finally:
        _awaiting_approval.reset(token)


def awaiting_approval() -> bool:
    """Whether the modifiers apply what awaits approval too (inside `awaiting_approval_included`)."""
    return _awaiting_approval.get()


def adjustments_at(
    priced: Sequence[tuple[int, int, Decimal]], at: datetime
) -> dict[tuple[int, int], Adjustment]:
    """(product id, channel id, base amount) rows → the adjustment in force at `at`, per pair."""
    adjustments: dict[tuple[int, int], Adjustment] = {}
    for modifier in _modifiers:
        adjustments.update(modifier(priced, at))
    return adjustments


# The reference price of a promotion (the lowest price of the 30 days before it, which the law says a
# reduction is announced from) is worked out where promotions live; pricing only asks for it.
ReferenceSource = Callable[
    [Sequence[tuple[int, int, Decimal]], datetime], dict[tuple[int, int], Decimal | None]
]
_reference_sources: list[ReferenceSource] = []


def reference_source_register(source: ReferenceSource) -> None:
    if source not in _reference_sources:
        _reference_sources.append(source)


def references_at(
    priced: Sequence[tuple[int, int, Decimal]], at: datetime
) -> dict[tuple[int, int], Decimal | None]:
    """(product id, channel id, base amount) rows → the reference price of each pair in a promotion at
    `at` (None: no price was applied in the 30 days before it); pairs not in a promotion are left out."""
    references: dict[tuple[int, int], Decimal | None] = {}
    for source in _reference_sources:
        references.update(source(priced, at))
    return references
