from decimal import Decimal

import pytest

from apps.core.money import Money, MoneyError, currency_exponent


def test_money_refuses_float_amounts():
    with pytest.raises(MoneyError, match="float"):
        Money(12.5, "EUR")


def test_money_refuses_codes_that_are_not_iso_4217_shaped():
    with pytest.raises(MoneyError, match="ISO 4217"):
        Money("1", "eur")


def test_money_refuses_non_numbers_and_infinity():
    with pytest.raises(MoneyError, match="not a number"):
        Money("twelve", "EUR")
    with pytest.raises(MoneyError, match="finite"):
        Money("Infinity", "EUR")


def test_money_reads_comma_decimals_as_typed_in_france():
    assert Money("12,50", "EUR").amount == Decimal("12.50")


def test_money_prints_the_feed_form_at_the_currency_precision():
    assert str(Money("12.5", "EUR")) == "12.50 EUR"
    assert str(Money("1500", "JPY")) == "1500 JPY"
    assert str(Money("1.2345", "KWD")) == "1.235 KWD"


def test_money_rounds_half_up_like_a_till():
    assert Money("0.125", "EUR").quantize().amount == Decimal("0.13")
    assert Money("0.135", "EUR").quantize().amount == Decimal("0.14")


def test_money_arithmetic_keeps_exact_decimals():
    total = Money("0.10", "EUR") + Money("0.20", "EUR")
    assert total == Money("0.30", "EUR")
    assert Money("19.99", "EUR") * 3 == Money("59.97", "EUR")
    assert Money("10", "EUR") - Money("2.50", "EUR") == Money("7.50", "EUR")


def test_money_refuses_mixing_currencies():
    with pytest.raises(MoneyError, match="EUR with GBP"):
        Money("1", "EUR") + Money("1", "GBP")
    with pytest.raises(MoneyError, match="EUR with GBP"):
        assert Money("1", "EUR") < Money("2", "GBP")


def test_money_parses_the_feed_form():
    assert Money.parse("9.99 EUR") == Money(Decimal("9.99"), "EUR")
    with pytest.raises(MoneyError, match=r"12\.50 EUR"):
        Money.parse("9.99EUR")


def test_currency_exponent_defaults_to_two_places():
    assert currency_exponent("EUR") == 2
    assert currency_exponent("JPY") == 0
    assert currency_exponent("BHD") == 3


def test_a_currencys_places_are_iso_4217s_wherever_they_are_read(db):
    """One source: what the API and the admin show for a currency is what Money rounds to."""
    from apps.core.models import Currency
    from apps.core.reference import reference_data_ensure

    reference_data_ensure()
    Currency.objects.create(code="CLF", name="Unidad de Fomento")
    for currency in Currency.objects.all():
        assert currency.decimal_places == currency_exponent(currency.code), currency.code
    assert Currency.objects.get(code="CLF").decimal_places == 4
    assert "decimal_places" not in {field.name for field in Currency._meta.get_fields()}


@pytest.mark.parametrize(
    ("language", "amount", "currency", "shown"),
    [
        ("fr", "21.9", "EUR", "21,90\u00a0€"),
        ("fr", "9.8600", "EUR", "9,86\u00a0€"),
        ("fr", "1234.5", "CHF", "1\u00a0234,50\u00a0CHF"),
        ("fr", "-5", "EUR", "-5,00\u00a0€"),
        ("en", "52.00", "EUR", "€52.00"),
        ("en", "1234.5", "GBP", "£1,234.50"),
        ("en", "12.5", "CHF", "CHF\u00a012.50"),
        ("en", "1500", "JPY", "¥1,500"),
    ],
)
def test_money_is_shown_in_the_persons_language_at_the_currency_precision(language, amount, currency, shown):
    from django.utils import translation

    from apps.core.money import format_money

    with translation.override(language):
        assert format_money(amount, currency) == shown
        assert Money(amount, currency).display() == shown


def test_a_missing_amount_is_shown_as_a_dash():
    from apps.core.money import format_money

    assert format_money(None, "EUR") == "—"
