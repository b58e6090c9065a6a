from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pghistory
import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import F

from apps.core import context
from apps.pricing import modifiers, services
from apps.pricing.models import EffectivePrice, Price, PriceEvent
from apps.pricing.selectors import price_history, prices_at
from apps.products import services as product_services
from tests.products.fixtures import texts


@pytest.fixture
def toy(shop):
    return product_services.product_create(
        actor=shop.merchandiser, sku="TOY-1", family=shop.toys, values={"name": texts("Renne")}
    )


def set_price(shop, toy, amount, **kwargs):
    return services.price_set(actor=shop.merchandiser, product=toy, channel=shop.web, amount=amount, **kwargs)


def test_a_price_is_kept_as_an_exact_decimal_with_its_currency(shop, toy):
    price = set_price(shop, toy, "19.99")
    price.refresh_from_db()
    assert price.amount == Decimal("19.99") and price.currency_id == "EUR"
    assert str(price.money) == "19.99 EUR"


@pytest.mark.parametrize(
    ("amount", "kwargs", "message"),
    [
        ("-1", {}, "-1 EUR is negative"),
        ("19.999", {}, "more decimals than EUR allows"),
        ("abc", {}, "not a number"),
        ("10", {"currency": "GBP"}, "web sells in EUR, not GBP"),
        ("10", {"compare_at": "9"}, "compare-at price 9 must be above the price 10"),
        ("10", {"cost": "12"}, "10 EUR is below the cost 12"),
    ],
)
def test_guard_rails_refuse_a_wrong_price_and_change_nothing(shop, toy, amount, kwargs, message):
    with pytest.raises(ValidationError, match=message):
        set_price(shop, toy, amount, **kwargs)
    assert not Price.objects.exists()


@pytest.mark.parametrize(
    ("amount", "kwargs", "message"),
    [
        ("-1", {}, "-1 EUR est négatif"),
        ("10", {"cost": "12"}, "TOY-1 sur web : 10 EUR est sous le coût 12"),
        ("10", {"compare_at": "9"}, "le prix barré 9 doit être supérieur au prix 10"),
    ],
)
def test_guard_rails_speak_the_persons_language(shop, toy, amount, kwargs, message):
    from django.utils import translation

    with translation.override("fr"), pytest.raises(ValidationError, match=message):
        set_price(shop, toy, amount, **kwargs)


def test_a_large_change_needs_confirmation(shop, toy):
    set_price(shop, toy, "20")
    with pytest.raises(ValidationError, match="20 → 2 EUR is a change of 90 %, more than 50 %; confirm"):
        set_price(shop, toy, "2")
    assert set_price(shop, toy, "2", confirm=True).amount == Decimal("2")


def test_below_cost_needs_the_permission_and_a_reason(shop, toy):
    from django.contrib.auth.models import Permission

    set_price(shop, toy, "20", cost="12")
    with pytest.raises(ValidationError, match="only a user allowed to sell below cost"):
        set_price(shop, toy, "11")
    shop.merchandiser.user_permissions.add(Permission.objects.get(codename="override_cost_guard"))
    shop.merchandiser = type(shop.merchandiser).objects.get(pk=shop.merchandiser.pk)
    with pytest.raises(ValidationError, match="give a reason"):
        set_price(shop, toy, "11")
    assert set_price(shop, toy, "11", reason="clearance").amount == Decimal("11")


def test_price_history_keeps_who_when_old_new_and_path(shop, toy):
    set_price(shop, toy, "20")
    with context.bound(origin="api"):
        services.price_set(actor=shop.merchandiser2, product=toy, channel=shop.web, amount="18")
    history = price_history(Price.objects.get())
    assert [(h["amount"], h["who"], h["source"]) for h in history] == [
        (Decimal("18"), "malik", "api"),
        (Decimal("20"), "margot", "system"),
    ]


def test_bulk_writes_version_every_price_they_change_with_who_and_why(shop):
    """History is written once per statement (set-based): a bulk insert, update and delete still keep
    one version per price, tagged with the statement's context; rows an update leaves alone get none."""
    toys = [product_services.product_create(actor=None, sku=f"BULK{n}", family=shop.toys) for n in range(3)]
    with pghistory.context(username="erp", reason="spring prices"):
        prices = Price.objects.bulk_create(
            Price(product=toy, channel=shop.web, currency_id="EUR", amount=Decimal(10)) for toy in toys
        )
        Price.objects.filter(product__in=toys[:2]).update(amount=Decimal(12))
        Price.objects.filter(product__in=toys).update(amount=F("amount"))
        Price.objects.filter(product=toys[0]).delete()
    events = PriceEvent.objects.filter(pgh_obj_id__in=[p.pk for p in prices]).select_related("pgh_context")
    assert sorted(
        (e.product_id, e.pgh_label, e.amount, e.pgh_context.metadata["reason"]) for e in events
    ) == sorted(
        [(toy.pk, "created", Decimal(10), "spring prices") for toy in toys]
        + [(toy.pk, "changed", Decimal(12), "spring prices") for toy in toys[:2]]
        + [(toys[0].pk, "deleted", Decimal(12), "spring prices")]
    )
    assert {e.pgh_context.metadata["username"] for e in events} == {"erp"}


@pytest.mark.django_db
def test_price_history_triggers_fire_once_per_statement_not_per_row():
    """A row trigger made each bulk write slow with the square of its rows (see Price)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tgname, tgtype & 1 FROM pg_trigger WHERE tgrelid = 'pricing_price'::regclass "
            "AND tgname LIKE 'pgtrigger_%%' ORDER BY tgname"
        )
        levels = cursor.fetchall()
    assert [(name.split("_")[1], row) for name, row in levels] == [
        ("changed", 0),
        ("created", 0),
        ("deleted", 0),
    ]


def test_a_price_change_recomputes_the_effective_price(shop, toy, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        set_price(shop, toy, "20")
    effective = EffectivePrice.objects.get(product=toy, channel=shop.web)
    assert (effective.amount, effective.regular_amount, effective.dirty) == (
        Decimal("20"),
        Decimal("20"),
        False,
    )


def test_a_registered_modifier_applies_its_promotion(shop, toy):
    def twenty_off(rows, at):
        return {
            (p, c): modifiers.Adjustment(amount=base * Decimal("0.8"), promotion="XMAS")
            for p, c, base in rows
        }

    set_price(shop, toy, "20")
    modifiers.price_modifier_register(twenty_off)
    try:
        services.effective_prices_recompute()
    finally:
        modifiers.price_modifier_unregister(twenty_off)
    effective = EffectivePrice.objects.get(product=toy, channel=shop.web)
    assert (effective.amount, effective.regular_amount, effective.promotion) == (
        Decimal("16.0"),
        Decimal("20"),
        "XMAS",
    )


def test_batch_is_all_or_nothing_with_errors_per_line(shop, toy):
    lines = [
        services.PriceLine("TOY-1", "web", "10"),
        services.PriceLine("NOPE", "web", "10"),
        services.PriceLine("TOY-1", "mars", "1"),
    ]
    with pytest.raises(services.BatchRejected) as excinfo:
        services.prices_apply_batch(actor=None, lines=lines)
    assert [(e.index, e.field) for e in excinfo.value.errors] == [(1, "sku"), (2, "channel")]
    assert not Price.objects.exists()


def test_batch_in_partial_mode_applies_the_valid_lines(shop, toy):
    lines = [services.PriceLine("TOY-1", "web", "10"), services.PriceLine("NOPE", "web", "10")]
    result = services.prices_apply_batch(actor=None, lines=lines, partial=True)
    assert result["applied"] == 1 and result["errors"][0]["message"] == "unknown SKU NOPE"
    assert Price.objects.get().amount == Decimal("10")


def test_a_retried_batch_with_the_same_key_applies_once(shop, toy):
    lines = [services.PriceLine("TOY-1", "web", "10")]
    first = services.prices_apply_batch(actor=None, lines=lines, idempotency_key="erp-1")
    again = services.prices_apply_batch(actor=None, lines=lines, idempotency_key="erp-1")
    assert (first["replayed"], again["replayed"]) == (False, True)
    assert Price.objects.get().events.count() == 1
    with pytest.raises(ValidationError, match="already used with another request body"):
        services.prices_apply_batch(
            actor=None, lines=[services.PriceLine("TOY-1", "web", "11")], idempotency_key="erp-1"
        )


@pytest.mark.parametrize(
    ("amount", "ending", "expected"),
    [("12.37", ".99", "12.99"), ("12.995", ".99", "13.99"), ("12.00", ".95", "12.95")],
)
def test_rounding_to_a_price_ending(amount, ending, expected):
    assert services.round_to_ending(Decimal(amount), ending) == Decimal(expected)


def test_bulk_edit_raises_by_a_percentage_and_rounds_to_99(shop, toy):
    set_price(shop, toy, "20")
    services.prices_bulk_edit(
        actor=shop.merchandiser,
        prices=Price.objects.select_related("product", "channel"),
        operation="raise",
        value="10",
        ending=".99",
    )
    assert Price.objects.get().amount == Decimal("22.99")


@pytest.mark.django_db(transaction=True)
def test_concurrent_recomputes_share_the_work_without_deadlock():
    import threading

    from django.db import connection

    from apps.pricing.models import EffectivePrice
    from tests.products.fixtures import build_shop

    shop = build_shop()
    pairs = []
    for n in range(60):
        toy = product_services.product_create(actor=None, sku=f"T{n}", family=shop.toys)
        for channel in (shop.web, shop.google):
            Price.objects.create(product=toy, channel=channel, currency_id="EUR", amount=Decimal(n + 1))
            pairs.append((toy.pk, channel.pk))
    services.effective_prices_mark_dirty(pairs)
    EffectivePrice.objects.update(dirty=True, amount=None)  # undo the recompute queued (eagerly) on commit
    done, failures = [], []

    def worker():
        try:
            done.append(services.effective_prices_recompute(batch=7))
        except Exception as exc:  # a deadlock would surface here
            failures.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert sum(done) == len(pairs)
    assert not EffectivePrice.objects.filter(dirty=True).exists()
    assert EffectivePrice.objects.get(product__sku="T9", channel=shop.web).amount == Decimal(10)


@pytest.mark.django_db
def test_the_recompute_is_scheduled_in_the_database_for_beat():
    from django_celery_beat.models import PeriodicTask

    task = PeriodicTask.objects.get(name="Recompute dirty effective prices")
    assert (task.task, task.enabled, task.interval.every, task.interval.period) == (
        "pricing.effective_prices_recompute",
        True,
        5,
        "minutes",
    )


def test_prices_at_a_future_instant_show_the_promotion_then_and_not_before(shop, toy):
    paris = ZoneInfo("Europe/Paris")
    start, end = datetime(2026, 12, 1, tzinfo=paris), datetime(2026, 12, 26, tzinfo=paris)

    def christmas(rows, at):
        if not start <= at < end:
            return {}
        return {
            (p, c): modifiers.Adjustment(base - 5, "XMAS", valid_from=start, valid_until=end)
            for p, c, base in rows
        }

    set_price(shop, toy, "20", compare_at="25")
    modifiers.price_modifier_register(christmas)
    try:
        before = prices_at([toy.pk], shop.web, datetime(2026, 11, 30, 23, 59, tzinfo=paris))[toy.pk]
        during = prices_at([toy.pk], shop.web, start)[toy.pk]
    finally:
        modifiers.price_modifier_unregister(christmas)
    assert (before.amount, before.promotion, before.compare_at) == (Decimal("20"), "", Decimal("25"))
    assert (during.regular, during.amount, during.currency) == (Decimal("20"), Decimal("15"), "EUR")
    assert (during.promotion, during.valid_from, during.valid_until) == ("XMAS", start, end)


def test_marking_and_recomputing_in_one_transaction_goes_through_every_batch(shop):
    """As a campaign switch does: rows just recomputed stay in the dirty index until commit, and the
    batches after them must still find the rest."""
    from django.db import transaction

    toys = [product_services.product_create(actor=None, sku=f"B{n}", family=shop.toys) for n in range(5)]
    pairs = []
    for n, toy in enumerate(toys):
        for channel in (shop.web, shop.google):
            Price.objects.create(product=toy, channel=channel, currency_id="EUR", amount=Decimal(n + 1))
            pairs.append((toy.pk, channel.pk))
    EffectivePrice.objects.create(product=toys[0], channel=shop.web, currency_id="EUR", dirty=False)
    with transaction.atomic():
        services.effective_prices_mark_dirty(pairs + pairs[:3])
        assert services.effective_prices_recompute(batch=3) == len(pairs)
    stored = EffectivePrice.objects.filter(product__in=toys)
    assert sorted(stored.values_list("amount", "currency", "dirty")) == sorted(
        (Decimal(n + 1), "EUR", False) for n in range(5) for _channel in range(2)
    )


def test_a_refresh_recomputes_just_its_pairs_at_once_and_adds_missing_rows(shop):
    toys = [product_services.product_create(actor=None, sku=f"R{n}", family=shop.toys) for n in range(2)]
    for toy in toys:
        Price.objects.create(product=toy, channel=shop.web, currency_id="EUR", amount=Decimal(7))
    EffectivePrice.objects.create(product=toys[1], channel=shop.web, currency_id="EUR", dirty=True)
    assert services.effective_prices_refresh([(toys[0].pk, shop.web.pk)]) == 1
    fresh = EffectivePrice.objects.get(product=toys[0])
    assert (fresh.amount, fresh.currency_id, fresh.dirty) == (Decimal(7), "EUR", False)
    assert EffectivePrice.objects.get(product=toys[1]).dirty  # not asked: left to the recompute
