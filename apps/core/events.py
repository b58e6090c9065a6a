"""The event hook through which lower apps announce changes to the apps above them, kept in an outbox.

A service publishes a typed event inside its transaction: `publish()` writes it as a row of the outbox
(`core.OutboxEvent`) in that same transaction, so a change and its event are committed together or not at
all, and a crash after the commit loses nothing. Subscribers (registered in their AppConfig.ready) react
in-process once the transaction commits, and the row is marked as reacted to; a row the process never
marked (it died between the commit and the reaction, or a handler failed) is replayed by the
`core.events_react_pending` job. Hooks registered with `on_recorded` run after each commit that published
an event (the events app wakes its dispatcher there). Lower apps never import the apps that listen to them.
"""

from __future__ import annotations

import dataclasses
import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, TypeVar

from django.db import connections, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Event:
    """Base class; each app defines its own events (ProductChanged, StockCrossedZero…)."""


E = TypeVar("E", bound=Event)
Handler = Callable[[Event], None]
_subscribers: dict[type[Event], list[Handler]] = defaultdict(list)
_recorded_hooks: list[Callable[[], None]] = []


def subscribe(event_type: type[E], handler: Callable[[E], None]) -> None:
    """Call `handler` after commit for every published event of `event_type` (or a subclass)."""
    if handler not in _subscribers[event_type]:
        _subscribers[event_type].append(handler)  # type: ignore[arg-type]


def unsubscribe(event_type: type[E], handler: Callable[[E], None]) -> None:
    if handler in _subscribers[event_type]:
        _subscribers[event_type].remove(handler)  # type: ignore[arg-type]


def on_recorded(hook: Callable[[], None]) -> None:
    """Call `hook` after every commit that wrote an outbox row (once per published event)."""
    if hook not in _recorded_hooks:
        _recorded_hooks.append(hook)


def topic_of(event: Event | type[Event]) -> str:
    cls = event if isinstance(event, type) else type(event)
    return f"{cls.__module__}.{cls.__qualname__}"


def encode(event: Event) -> dict[str, Any]:
    return dataclasses.asdict(event)


def _tuples(value: Any) -> Any:
    # JSON has no tuple: events hold tuples (hashable, frozen), read back from lists
    return tuple(_tuples(v) for v in value) if isinstance(value, list) else value


def decode(topic: str, data: dict[str, Any]) -> Event:
    """The event a row holds. Only Event classes are built, whatever the row says."""
    cls = import_string(topic)
    if not (isinstance(cls, type) and issubclass(cls, Event)):
        raise ValueError(f"{topic} is not an event")
    names = {f.name for f in dataclasses.fields(cls)}
    return cls(**{k: _tuples(v) for k, v in data.items() if k in names})


def publish(event: Event, *, using: str | None = None) -> None:
    """Record `event` in the outbox within the current transaction; subscribers react once it commits
    (at once outside a transaction). Nothing is recorded for a transaction that rolls back."""
    from apps.core.models import OutboxEvent

    row = OutboxEvent.objects.using(using or "default").create(topic=topic_of(event), data=encode(event))
    transaction.on_commit(lambda: _after_commit(event, row.pk, using), using=using)


def _after_commit(event: Event, pk: int, using: str | None) -> None:
    try:
        _react(event, pk, using)
    finally:  # a failing reaction is replayed later; the event is committed and goes out all the same
        for hook in list(_recorded_hooks):
            hook()


def _react(event: Event, pk: int, using: str | None) -> None:
    from apps.core.models import OutboxEvent

    _deliver(event)
    alias = using or "default"
    # The mark need not wait for the disk: lost in a crash, it only makes the replay job run these
    # reactions again, which mark feeds and queue checks that may run twice.
    with transaction.atomic(using=alias), connections[alias].cursor() as cursor:
        cursor.execute("SET LOCAL synchronous_commit TO OFF")
        OutboxEvent.objects.using(alias).filter(pk=pk).update(reacted_at=timezone.now())


def _deliver(event: Event) -> None:
    for event_type, handlers in list(_subscribers.items()):
        if isinstance(event, event_type):
            for handler in list(handlers):
                handler(event)


def reactions_replay(*, grace: timedelta = timedelta(seconds=30), limit: int = 500) -> int:
    """Run the reactions of the outbox rows committed more than `grace` ago that nobody marked as reacted
    to (their process died after the commit, or a handler failed). Rows another worker holds are skipped.
    Each row reacts in its own savepoint: a failing one stays to be replayed, the others are marked."""
    from apps.core.models import OutboxEvent

    done = 0
    with transaction.atomic():
        rows = list(
            OutboxEvent.objects.select_for_update(skip_locked=True)
            .filter(reacted_at__isnull=True, created_at__lt=timezone.now() - grace)
            .order_by("id")[:limit]
        )
        for row in rows:
            try:
                with transaction.atomic():
                    _deliver(decode(row.topic, row.data))
                    OutboxEvent.objects.filter(pk=row.pk).update(reacted_at=timezone.now())
                done += 1
            except Exception:
                logger.exception("outbox event %s: reaction failed; replayed at the next run", row.pk)
    return done


@dataclass(frozen=True, slots=True)
class ChannelChanged(Event):
    """A channel's locales or settings changed; completeness and feeds depend on them."""

    code: str
