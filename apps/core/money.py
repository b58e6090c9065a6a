"""Money: a Decimal amount with its ISO 4217 currency. No float ever gets in."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

# ISO 4217 minor units where they are not 2 (the default): the one source of a currency's precision.
_MINOR_UNITS = {
    "BHD": 3, "BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "IQD": 3, "ISK": 0, "JOD": 3, "JPY": 0, "KMF": 0,
    "KRW": 0, "KWD": 3, "LYD": 3, "OMR": 3, "PYG": 0, "RWF": 0, "TND": 3, "UGX": 0, "UYI": 0, "VND": 0,
    "VUV": 0, "XAF": 0, "XOF": 0, "XPF": 0, "CLF": 4, "UYW": 4,
}  # fmt: skip
_CODE = re.compile(r"^[A-Z]{3}$")


class MoneyError(ValueError):
    """An amount or currency that cannot be money."""


def currency_exponent(currency: str) -> int:
    """Number of decimal places a currency is quoted in (EUR 2, JPY 0, KWD 3)."""
    return _MINOR_UNITS.get(currency, 2)


def to_decimal(value: Decimal | int | str) -> Decimal:
    """Parse an amount; floats are refused because they cannot hold 0.1 exactly."""
    if isinstance(value, float | bool):
        raise MoneyError(f"amount {value!r} is a {type(value).__name__}; use Decimal or a string")
    try:
        amount = Decimal(value.strip().replace(",", ".") if isinstance(value, str) else value)
    except (InvalidOperation, ValueError) as exc:
        raise MoneyError(f"{value!r} is not a number") from exc
    if not amount.is_finite():
        raise MoneyError(f"{value!r} is not a finite amount")
    return amount


@dataclass(frozen=True, slots=True)
class Money:
    amount: Decimal
    currency: str

    def __post_init__(self) -> None:
        if not isinstance(self.currency, str) or not _CODE.match(self.currency):
            raise MoneyError(f"currency {self.currency!r} is not an ISO 4217 code such as EUR")
        object.__setattr__(self, "amount", to_decimal(self.amount))

    @classmethod
    def parse(cls, text: str) -> Money:
        """Read the feed form "12.50 EUR"."""
        parts = text.split()
        if len(parts) != 2:
            raise MoneyError(f"{text!r} is not of the form '12.50 EUR'")
        return cls(parts[0], parts[1])

    def quantize(self) -> Money:
        """Round half up to the currency's precision, as shops and tills do."""
        exp = Decimal(1).scaleb(-currency_exponent(self.currency))
        return Money(self.amount.quantize(exp, rounding=ROUND_HALF_UP), self.currency)

    def _same(self, other: object) -> Money:
        if not isinstance(other, Money):
            raise TypeError(f"cannot combine Money with {type(other).__name__}")
        if other.currency != self.currency:
            raise MoneyError(f"cannot combine {self.currency} with {other.currency}")
        return other

    def __add__(self, other: Money) -> Money:
        return Money(self.amount + self._same(other).amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        return Money(self.amount - self._same(other).amount, self.currency)

    def __mul__(self, factor: Decimal | int) -> Money:
        return Money(self.amount * to_decimal(factor), self.currency)

    __rmul__ = __mul__

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def __lt__(self, other: Money) -> bool:
        return self.amount < self._same(other).amount

    def __le__(self, other: Money) -> bool:
        return self.amount <= self._same(other).amount

    def __gt__(self, other: Money) -> bool:
        return self.amount > self._same(other).amount

    def __ge__(self, other: Money) -> bool:
        return self.amount >= self._same(other).amount

    def __str__(self) -> str:
        """The feed form, "12.50 EUR", at the currency's precision."""
        return f"{self.quantize().amount:f} {self.currency}"

    def display(self) -> str:
        """The amount as the person reads it, in the active language (see format_money)."""
        return format_money(self.amount, self.currency)


# Currencies shown by their sign; the others by their code, where the sign would be ambiguous ($, kr).
_SIGNS = {"EUR": "€", "GBP": "£", "USD": "$", "JPY": "¥"}


def format_money(amount: Decimal | int | str | None, currency: str, *, empty: str = "—") -> str:
    """An amount for people, in the active language and at the currency's precision.

    One convention per language: French puts the sign after the number with a comma ("1 234,90 €",
    "12,50 CHF"); English puts it before with a point ("€1,234.90", "CHF 12.50"). Feeds, files and the API
    keep the machine form of str(Money) ("1234.90 EUR").
    """
    from django.utils import formats, translation

    if amount is None or amount == "":
        return empty
    money = Money(amount, currency).quantize()
    places = currency_exponent(currency)
    number = formats.number_format(abs(money.amount), places, use_l10n=True, force_grouping=True)
    sign = "-" if money.amount < 0 else ""
    symbol = _SIGNS.get(currency)
    if (translation.get_language() or "en").startswith("fr"):
        return f"{sign}{number}\u00a0{symbol or currency}"
    return f"{sign}{symbol}{number}" if symbol else f"{sign}{currency}\u00a0{number}"
