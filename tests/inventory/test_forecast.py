"""The stock-out forecast: exponential smoothing of the daily units that left stock, days of cover against
the days the stock must last."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from apps.inventory import selectors
from apps.inventory.services import StockLine, stock_apply_batch, stock_sell
from apps.products import services as product_services
from tests.inventory.factories import LocationFactory
from tests.products.fixtures import texts

PARIS = ZoneInfo("Europe/Paris")
NOW = datetime(2026, 11, 30, 15, 0, tzinfo=PARIS)
SALES = {5: 4, 4: 0, 3: 6, 2: 2, 1: 8}  # days before today → units sold that day


@pytest.fixture
def history(shop):
    """TOY-1 at a warehouse serving the web (and a store serving nobody), sold on the days of SALES."""
    product = product_services.product_create(
        actor=None, sku="TOY-1", family=shop.toys, values={"name": texts("Renne")}
    )
    LocationFactory(code="WH", channels=[shop.web])
    LocationFactory(code="BACK", channels=[])
    with time_machine.travel(NOW - timedelta(days=40), tick=False):
        stock_apply_batch(
            actor=None, lines=[StockLine("TOY-1", "WH", quantity=60), StockLine("TOY-1", "BACK", 9)]
        )
    for days_ago, units in SALES.items():
        with time_machine.travel(NOW - timedelta(days=days_ago), tick=False):
            if units:
                stock_sell(actor=None, sku="TOY-1", location="WH", quantity=units)
            stock_sell(actor=None, sku="TOY-1", location="BACK", quantity=1)  # not a web location
    with time_machine.travel(NOW - timedelta(days=3, hours=2), tick=False):
        stock_apply_batch(actor=None, lines=[StockLine("TOY-1", "WH", delta=10)])  # a restock: not demand
    with time_machine.travel(NOW - timedelta(hours=1), tick=False):
        stock_sell(actor=None, sku="TOY-1", location="WH", quantity=3)  # today: not over, left out
    return product


def expected_level(series, alpha):
    level = series[0]
    for value in series[1:]:
        level = alpha * value + (1 - alpha) * level
    return level


def test_days_of_cover_come_from_the_smoothed_daily_sales_of_the_channels_locations(history, settings):
    settings.NOEL_FORECAST_ALPHA = 0.4
    settings.NOEL_FORECAST_DAYS = 14
    until = NOW + timedelta(days=10)
    risk = selectors.stockout_risk([history.pk], ["web"], now=NOW, until=until)[history.pk]
    series = [SALES.get(14 - i, 0) for i in range(14)]  # oldest first, today left out
    level = expected_level(series, 0.4)
    available = 60 + 10 - sum(SALES.values()) - 3
    assert risk.daily == tuple(series) and risk.sold == sum(SALES.values())
    assert risk.available == available
    assert risk.demand == pytest.approx(level)
    assert risk.cover_days == pytest.approx(available / level)
    assert risk.days_left == pytest.approx(10)
    assert risk.level == ("at_risk" if available / level < 10 else "ok")


def test_a_product_whose_cover_is_shorter_than_the_days_left_is_at_risk(history, settings):
    settings.NOEL_FORECAST_ALPHA = 0.5
    series = [SALES.get(28 - i, 0) for i in range(28)]
    cover = (60 + 10 - sum(SALES.values()) - 3) / expected_level(series, 0.5)
    short = selectors.stockout_risk([history.pk], ["web"], now=NOW, until=NOW + timedelta(days=cover + 1))
    long = selectors.stockout_risk([history.pk], ["web"], now=NOW, until=NOW + timedelta(days=cover - 1))
    assert short[history.pk].at_risk and short[history.pk].level == "at_risk"
    assert not long[history.pk].at_risk and long[history.pk].level == "ok"


def test_without_sales_there_is_no_cover_limit_and_nothing_left_is_sold_out(shop):
    quiet = product_services.product_create(actor=None, sku="QUIET", family=shop.toys, values={})
    empty = product_services.product_create(actor=None, sku="EMPTY", family=shop.toys, values={})
    LocationFactory(code="WH", channels=[shop.web])
    stock_apply_batch(actor=None, lines=[StockLine("QUIET", "WH", quantity=5), StockLine("EMPTY", "WH", 0)])
    risks = selectors.stockout_risk([quiet.pk, empty.pk], ["web"], now=NOW, until=NOW + timedelta(days=20))
    assert risks[quiet.pk].cover_days is None and risks[quiet.pk].level == "ok"
    assert risks[empty.pk].level == "sold_out" and risks[empty.pk].at_risk


def test_the_forecast_costs_three_queries_whatever_the_number_of_products(
    history, shop, django_assert_num_queries
):
    others = [
        product_services.product_create(actor=None, sku=f"X-{n}", family=shop.toys, values={}).pk
        for n in range(5)
    ]
    with django_assert_num_queries(3):
        selectors.stockout_risk([history.pk, *others], ["web"], now=NOW, until=NOW + timedelta(days=5))
