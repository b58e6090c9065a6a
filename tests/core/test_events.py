from dataclasses import dataclass

import pytest
from django.db import transaction

from apps.core import events


@dataclass(frozen=True, slots=True)
class ThingChanged(events.Event):
    code: str


@dataclass(frozen=True, slots=True)
class SpecialThingChanged(ThingChanged):
    pass


@pytest.fixture
def received():
    seen: list[events.Event] = []
    events.subscribe(ThingChanged, seen.append)
    yield seen
    events.unsubscribe(ThingChanged, seen.append)


@pytest.mark.django_db(transaction=True)
def test_event_is_delivered_after_commit_and_not_before(received):
    with transaction.atomic():
        events.publish(ThingChanged("A"))
        assert received == []
    assert received == [ThingChanged("A")]


@pytest.mark.django_db(transaction=True)
def test_event_of_a_rolled_back_transaction_is_never_delivered(received):
    with pytest.raises(RuntimeError), transaction.atomic():
        events.publish(ThingChanged("B"))
        raise RuntimeError("boom")
    assert received == []


@pytest.mark.django_db(transaction=True)
def test_subscribers_of_a_base_event_receive_its_subclasses(received):
    events.publish(SpecialThingChanged("C"))
    assert received == [SpecialThingChanged("C")]


@pytest.mark.django_db(transaction=True)
def test_subscribing_twice_delivers_once(received):
    events.subscribe(ThingChanged, received.append)
    events.publish(ThingChanged("D"))
    assert received == [ThingChanged("D")]
