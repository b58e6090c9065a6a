"""The after-commit event hook through which lower apps announce changes to the apps above them.

A service publishes a typed event; subscribers (registered in their AppConfig.ready) run only after
the transaction commits, so nobody reacts to a change that was rolled back. Lower apps never import
the apps that listen to them.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from django.db import transaction

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Event:
    """Base class; each app defines its own events (ProductChanged, StockCrossedZero…)."""


E = TypeVar("E", bound=Event)
Handler = Callable[[Event], None]
_subscribers: dict[type[Event], list[Handler]] = defaultdict(list)


def subscribe(event_type: type[E], handler: Callable[[E], None]) -> None:
    """Call `handler` after commit for every published event of `event_type` (or a subclass)."""
    if handler not in _subscribers[event_type]:
        _subscribers[event_type].append(handler)  # type: ignore[arg-type]


def unsubscribe(event_type: type[E], handler: Callable[[E], None]) -> None:
    if handler in _subscribers[event_type]:
        _subscribers[event_type].remove(handler)  # type: ignore[arg-type]


def publish(event: Event, *, using: str | None = None) -> None:
    """Deliver `event` once the current transaction commits (at once outside a transaction)."""
    transaction.on_commit(lambda: _deliver(event), using=using)


def _deliver(event: Event) -> None:
    for event_type, handlers in list(_subscribers.items()):
        if isinstance(event, event_type):
            for handler in list(handlers):
                handler(event)


@dataclass(frozen=True, slots=True)
class ChannelChanged(Event):
    """A channel's locales or settings changed; completeness and feeds depend on them."""

    code: str
