"""The outbox: an event is a row written in its change's transaction; Noel's own reactions run after
commit and a row nobody reacted to (the process died) is replayed; the dispatcher turns rows into the
change feed, numbered per product."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from apps.core import events
from apps.core.models import OutboxEvent
from apps.events import services
from apps.events.models import ChangeEvent, Delivery
from apps.products import services as product_services
from apps.products.events import ProductsChanged
from apps.products.models import Product
from tests.events.conftest import stock

pytestmark = pytest.mark.django_db


def test_a_change_and_its_event_are_written_in_one_transaction(catalog):
    before = OutboxEvent.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        product_services.product_create(actor=None, sku="GONE-1", family=catalog.toys)
        assert OutboxEvent.objects.count() == before + 1
        raise RuntimeError("the caller fails after the write")
    assert OutboxEvent.objects.count() == before
    assert services.outbox_dispatch() >= 0
    assert not ChangeEvent.objects.filter(sku="GONE-1").exists()


def test_an_event_nobody_reacted_to_is_replayed_once(catalog):
    """In this test the transaction never commits: as if the process died right after COMMIT."""
    seen: list[events.Event] = []
    events.subscribe(ProductsChanged, seen.append)
    try:
        product_services.product_create(actor=None, sku="CRASH-1", family=catalog.toys)
        row = OutboxEvent.objects.filter(topic__endswith="ProductsChanged").latest("id")
        assert row.reacted_at is None and seen == []
        assert events.reactions_replay(grace=timedelta(0)) >= 1
        assert ProductsChanged(skus=("CRASH-1",), source="admin", action="created") in seen or any(
            e.skus == ("CRASH-1",) and e.action == "created" for e in seen
        )
        row.refresh_from_db()
        assert row.reacted_at is not None
        count = len(seen)
        events.reactions_replay(grace=timedelta(0))
        assert len(seen) == count
    finally:
        events.unsubscribe(ProductsChanged, seen.append)


def test_a_row_is_replayed_only_after_the_grace_period(catalog):
    product_services.product_create(actor=None, sku="FRESH-1", family=catalog.toys)
    row = OutboxEvent.objects.latest("id")
    events.reactions_replay(grace=timedelta(minutes=5))
    row.refresh_from_db()
    assert row.reacted_at is None


@pytest.mark.django_db(transaction=True)
def test_after_a_real_commit_reactions_run_in_process_and_mark_the_row(shop):
    seen: list[events.Event] = []
    events.subscribe(ProductsChanged, seen.append)
    try:
        product_services.product_create(actor=None, sku="LIVE-1", family=shop.toys)
    finally:
        events.unsubscribe(ProductsChanged, seen.append)
    assert [e.skus for e in seen] == [("LIVE-1",)]
    assert OutboxEvent.objects.latest("id").reacted_at is not None


def test_product_events_carry_what_happened_and_a_sequence_per_product(catalog):
    toy = Product.objects.get(sku="TOY-1")
    product_services.product_update(
        actor=None, product=toy, expected_version=toy.version, changes={"enabled": False}
    )
    product_services.product_retire(actor=catalog.approver, product=toy)
    services.outbox_dispatch()
    mine = list(ChangeEvent.objects.filter(sku="TOY-1").order_by("id").values_list("type", "sequence"))
    assert mine == [("product.created", 1), ("product.changed", 2), ("product.retired", 3)]
    assert list(ChangeEvent.objects.filter(sku="TOY-2").values_list("sequence", flat=True)) == [1]


def test_stock_sold_out_gives_availability_per_channel_with_crossed_zero(catalog):
    stock("TOY-1", 3)
    services.outbox_dispatch()
    stock("TOY-1", 0)
    services.outbox_dispatch()
    last = ChangeEvent.objects.filter(type="availability.changed").order_by("-id")[:2]
    assert {(e.channel, e.data["crossed_zero"]) for e in last} == {("web", True), ("google", True)}


def test_each_row_is_dispatched_once(catalog):
    services.outbox_dispatch()
    count = ChangeEvent.objects.count()
    assert services.outbox_dispatch() == 0
    assert ChangeEvent.objects.count() == count
    assert not OutboxEvent.objects.filter(fanned_out_at__isnull=True).exists()


def test_pruning_forgets_what_is_older_than_the_retention(catalog, settings):
    settings.NOEL_EVENTS_RETENTION_DAYS = 30
    services.outbox_dispatch()
    events.reactions_replay(grace=timedelta(0))
    old = timezone.now() - timedelta(days=31)
    OutboxEvent.objects.update(created_at=old)
    ChangeEvent.objects.update(recorded_at=old)
    kept = ChangeEvent.objects.count()
    assert kept > 0
    pruned = services.events_prune()
    assert pruned["feed"] == kept and not ChangeEvent.objects.exists() and not OutboxEvent.objects.exists()
    assert Delivery.objects.count() == 0
