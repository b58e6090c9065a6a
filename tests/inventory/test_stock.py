import threading

import pytest
from django.db import connection

from apps.core.events import subscribe, unsubscribe
from apps.inventory import selectors, services
from apps.inventory.events import StockChanged
from apps.inventory.models import ChannelStockPolicy, StockLevel, StockMovement
from apps.products import services as product_services
from tests.inventory.factories import LocationFactory
from tests.products.fixtures import texts


@pytest.fixture
def stock(shop):
    toy = product_services.product_create(
        actor=shop.merchandiser, sku="TOY-1", family=shop.toys, values={"name": texts("Renne")}
    )
    warehouse = LocationFactory(code="WH", channels=[shop.web, shop.google])
    paris = LocationFactory(code="PARIS", kind="store", channels=[shop.web], click_and_collect=True)
    shop.toy, shop.warehouse, shop.paris = toy, warehouse, paris
    return shop


def apply(*lines, **kwargs):
    return services.stock_apply_batch(
        actor=None, lines=[services.StockLine(*line) for line in lines], **kwargs
    )


def test_available_to_sell_sums_the_locations_serving_a_channel_less_its_buffer(stock):
    apply(("TOY-1", "WH", 10), ("TOY-1", "PARIS", 4))
    services.stock_reserve(actor=None, sku="TOY-1", location="PARIS", quantity=1)
    ChannelStockPolicy.objects.create(channel=stock.web, safety_buffer=2)
    available = selectors.available_to_sell([stock.toy.pk])
    assert available[(stock.toy.pk, "web")] == 10 + 3 - 2
    assert available[(stock.toy.pk, "google")] == 10


def test_available_to_sell_is_never_below_zero_and_sold_out_is_zero(stock):
    apply(("TOY-1", "WH", 1))
    ChannelStockPolicy.objects.create(channel=stock.google, safety_buffer=5)
    available = selectors.available_to_sell([stock.toy.pk])
    assert available[(stock.toy.pk, "google")] == 0
    assert selectors.available_to_sell([stock.toy.pk], ["web"]) == {(stock.toy.pk, "web"): 1}


def test_deltas_add_and_absolutes_replace(stock):
    apply(("TOY-1", "WH", 10))
    apply(("TOY-1", "WH", None, -3), ("TOY-1", "WH", None, -2))
    assert StockLevel.objects.get(location__code="WH").on_hand == 5
    assert StockMovement.objects.count() == 2


def test_a_batch_with_bad_lines_changes_nothing_and_names_each_line(stock):
    apply(("TOY-1", "WH", 10))
    with pytest.raises(services.BatchRejected) as excinfo:
        apply(("TOY-1", "WH", 3), ("NOPE", "WH", 1), ("TOY-1", "MARS", 1), ("TOY-1", "WH", None, -50))
    assert [(e.index, e.field) for e in excinfo.value.errors] == [(1, "sku"), (2, "location"), (3, "delta")]
    assert StockLevel.objects.get(location__code="WH").on_hand == 10


def test_partial_mode_applies_what_it_can(stock):
    result = apply(("TOY-1", "WH", 3), ("NOPE", "WH", 1), partial=True)
    assert result["changed"] == 1 and result["errors"][0]["message"] == "unknown SKU NOPE"


def test_a_retry_with_the_same_key_applies_once(stock):
    apply(("TOY-1", "WH", 10))
    apply(("TOY-1", "WH", None, -1), idempotency_key="pos-77")
    replay = apply(("TOY-1", "WH", None, -1), idempotency_key="pos-77")
    assert replay["replayed"] is True
    assert StockLevel.objects.get(location__code="WH").on_hand == 9


def test_crossing_zero_is_announced_for_each_channel(stock, django_capture_on_commit_callbacks):
    seen = []
    subscribe(StockChanged, seen.append)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            apply(("TOY-1", "WH", 2))
        with django_capture_on_commit_callbacks(execute=True):
            apply(("TOY-1", "WH", 0))
    finally:
        unsubscribe(StockChanged, seen.append)
    assert seen[-1].crossed_zero == ((stock.toy.pk, "google"), (stock.toy.pk, "web"))


def test_reservations_never_exceed_what_is_there(stock):
    apply(("TOY-1", "PARIS", 2))
    services.stock_reserve(actor=None, sku="TOY-1", location="PARIS", quantity=2)
    with pytest.raises(services.InsufficientStock, match="2 on hand, 2 reserved"):
        services.stock_reserve(actor=None, sku="TOY-1", location="PARIS", quantity=1)
    services.stock_sell(actor=None, sku="TOY-1", location="PARIS", quantity=2, reserved=True)
    level = StockLevel.objects.get(location__code="PARIS")
    assert (level.on_hand, level.reserved) == (0, 0)


@pytest.mark.django_db(transaction=True)
def test_concurrent_sales_from_many_threads_never_oversell():
    from tests.products.fixtures import build_shop

    shop = build_shop()
    product_services.product_create(actor=None, sku="HOT", family=shop.toys)
    LocationFactory(code="WH", channels=[shop.web])
    apply(("HOT", "WH", 25))
    sold, refused = [], []

    def buyer():
        for _ in range(5):
            try:
                services.stock_sell(actor=None, sku="HOT", location="WH", quantity=1)
                sold.append(1)
            except services.InsufficientStock:
                refused.append(1)
        connection.close()

    threads = [threading.Thread(target=buyer) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert (len(sold), len(refused)) == (25, 15)
    assert StockLevel.objects.get(product__sku="HOT").on_hand == 0
