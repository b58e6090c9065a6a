"""Validation and reading of product values, shaped {attribute: {locale or "*": {channel or "*": value}}}.

Stored forms, chosen so that JSON never holds a float: text, textarea, identifier, media → str;
number → decimal string ("12.5"); boolean → bool; date → "YYYY-MM-DD"; select → option code;
multiselect → sorted list of option codes; price → {"EUR": "12.50"}; measurement → {"amount": "1.2",
"unit": "KILOGRAM"}.
"""

from __future__ import annotations

import copy
import datetime
import functools
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError

from apps.core.money import currency_exponent
from apps.products.models import Attribute

ANY = "*"
T = Attribute.Type


@dataclass(frozen=True)
class ValueIssue:
    """One refused value: which attribute, locale and channel, and why."""

    attribute: str
    reason: str
    locale: str = ANY
    channel: str = ANY
    sku: str = ""

    def __str__(self) -> str:
        where = [f"attribute {self.attribute}"]
        if self.locale != ANY:
            where.append(f"locale {self.locale}")
        if self.channel != ANY:
            where.append(f"channel {self.channel}")
        prefix = f"{self.sku}: " if self.sku else ""
        return f"{prefix}{', '.join(where)}: {self.reason}"


class ProductValidationError(ValidationError):
    """Raised with every issue at once, so a person can fix them all in one go."""

    def __init__(self, issues: list[ValueIssue]):
        self.issues = issues
        super().__init__([str(issue) for issue in issues])


@dataclass
class Catalog:
    """Attribute metadata loaded once (per request or per import batch), so validation does no queries."""

    attributes: dict[str, Attribute]
    options: dict[str, set[str]] = field(default_factory=dict)
    units: dict[str, set[str]] = field(default_factory=dict)
    locales: set[str] = field(default_factory=set)
    channels: set[str] = field(default_factory=set)
    currencies: set[str] = field(default_factory=set)
    # stored forms already worked out, for the values that repeat across rows (numbers, dates, options,
    # prices, measurements): an import of 100,000 rows parses each distinct one once
    known: dict[tuple, Any] = field(default_factory=dict, repr=False, compare=False)

    @functools.cached_property
    def unique_codes(self) -> frozenset[str]:
        return frozenset(code for code, attribute in self.attributes.items() if attribute.unique)

    def normalise(self, attribute: Attribute, raw: Any) -> Any:
        """`normalise`, remembered per attribute and raw text (or mapping of texts, for prices and
        measurements). Free text is not remembered: it seldom repeats."""
        if attribute.type in _FREE_TEXT:
            return normalise(attribute, raw, self)
        if isinstance(raw, str):
            key: tuple = (attribute.code, raw)
        elif type(raw) is dict and all(type(v) is str for v in raw.values()):  # the keys are texts in JSON
            key = (attribute.code, *raw.items())  # another order of the same keys is only another entry
        else:
            return normalise(attribute, raw, self)
        stored = self.known.get(key, _UNKNOWN)
        if stored is _UNKNOWN:
            if len(self.known) >= _KNOWN_MAX:
                self.known.clear()
            stored = self.known[key] = normalise(attribute, raw, self)
        # a list or a dict goes on living in a product's values: each gets its own
        return copy.copy(stored) if isinstance(stored, list | dict) else stored

    @classmethod
    def load(cls) -> Catalog:
        from apps.core.models import Channel, Currency, Locale
        from apps.products.models import AttributeOption, MeasurementUnit

        attributes = {a.code: a for a in Attribute.objects.select_related("measurement_family")}
        options: dict[str, set[str]] = {}
        for attribute_id, code in AttributeOption.objects.values_list("attribute__code", "code"):
            options.setdefault(attribute_id, set()).add(code)
        units: dict[str, set[str]] = {}
        for family_code, code in MeasurementUnit.objects.values_list("family__code", "code"):
            units.setdefault(family_code, set()).add(code)
        return cls(
            attributes=attributes,
            options=options,
            units=units,
            locales=set(Locale.objects.filter(is_active=True).values_list("code", flat=True)),
            channels=set(Channel.objects.values_list("code", flat=True)),
            currencies=set(Currency.objects.filter(is_active=True).values_list("code", flat=True)),
        )


_FREE_TEXT = (T.TEXT, T.TEXTAREA, T.IDENTIFIER, T.MEDIA)
_KNOWN_MAX = 50_000
_UNKNOWN = object()


# Numbers (and measurement amounts, prices) hold at most 15 digits before the point and 10 after, as
# Akeneo's decimal values do more or less: "1e999999" was once stored as a 1,000,000-digit string.
MAX_DIGITS, MAX_DECIMALS = 15, 10
TEXTAREA_MAX = 65_535  # characters of a text area, as in Akeneo


def _decimal(raw: Any) -> Decimal:
    if isinstance(raw, bool | float):
        raise ValueError(f'{raw!r} must be written as a decimal string, e.g. "12.5"')
    text = str(raw).strip().replace(",", ".")
    if len(text) > MAX_DIGITS + MAX_DECIMALS + 10:
        raise ValueError(f"{text[:20]}… is {len(text)} characters: too long for a number")
    try:
        number = Decimal(text)
    except InvalidOperation as exc:
        raise ValueError(f"{raw!r} is not a number") from exc
    if not number.is_finite():
        raise ValueError(f"{raw!r} is not a finite number")
    if number and number.adjusted() >= MAX_DIGITS:
        raise ValueError(f"{number:.6g} is too large: at most {MAX_DIGITS} digits before the decimal point")
    if number and number.normalize().as_tuple().exponent < -MAX_DECIMALS:
        raise ValueError(f"{number:.6g} has more than {MAX_DECIMALS} decimals")
    return number


def media_refusal(attribute: Attribute, name: str, size: int | None = None) -> str | None:
    """Why a file (a path or an address, its size in bytes when known) may not be the value of this media
    attribute, by Akeneo's rules: allowed extensions and a maximum size. None when it may."""
    file = PurePosixPath(urlsplit(name).path).name or name
    allowed = [extension.strip().lstrip(".").lower() for extension in attribute.allowed_extensions]
    extension = PurePosixPath(file).suffix.lstrip(".").lower()
    if allowed and extension not in allowed:
        found = f"the extension .{extension}" if extension else "no extension"
        return f"{file} has {found}: {attribute.code} takes {', '.join(allowed)} files"
    limit = attribute.max_file_size
    if size is not None and limit is not None and size > limit * 1024 * 1024:
        return f"{file} weighs {size / 1024 / 1024:.2f} MB: {attribute.code} takes files up to {limit} MB"
    return None


def text_limit(attribute: Attribute) -> int | None:
    """The most characters a text value may hold: its own limit, else 255 on a single line, else 65,535."""
    return attribute.max_length or (255 if attribute.type != T.TEXTAREA else TEXTAREA_MAX)


def normalise(attribute: Attribute, raw: Any, catalog: Catalog) -> Any:
    """Return the stored form of one value, or raise ValueError with the reason."""
    kind = attribute.type
    if kind in (T.TEXT, T.TEXTAREA, T.IDENTIFIER, T.MEDIA):
        if not isinstance(raw, str):
            raise ValueError(f"expected text, got {type(raw).__name__}")
        text = raw if kind == T.TEXTAREA else raw.strip()
        if kind in (T.TEXT, T.IDENTIFIER) and ("\n" in text or "\r" in text):
            raise ValueError("a single-line text cannot contain a line break")
        limit = text_limit(attribute)
        if limit and len(text) > limit:
            raise ValueError(f"{len(text)} characters, more than the {limit} allowed")
        if attribute.regex and not re.fullmatch(attribute.regex, text):
            raise ValueError(f"{text!r} does not match the pattern {attribute.regex}")
        if kind == T.MEDIA and (refusal := media_refusal(attribute, text)):
            raise ValueError(refusal)
        return text
    if kind == T.NUMBER:
        number = _decimal(raw)
        _check_number(attribute, number)
        return format(number.normalize(), "f")
    if kind == T.BOOLEAN:
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip().lower()
        if text in ("1", "true", "yes", "oui", "y"):
            return True
        if text in ("0", "false", "no", "non", "n"):
            return False
        raise ValueError(f"{raw!r} is not yes/no (use 1 or 0)")
    if kind == T.DATE:
        try:
            return datetime.date.fromisoformat(str(raw).strip()[:10]).isoformat()
        except ValueError as exc:
            raise ValueError(f"{raw!r} is not a date (YYYY-MM-DD)") from exc
    if kind == T.SELECT:
        code = str(raw).strip()
        if code not in catalog.options.get(attribute.code, set()):
            raise ValueError(f"option {code!r} does not exist")
        return code
    if kind == T.MULTISELECT:
        codes = raw if isinstance(raw, list | tuple) else str(raw).split(",")
        codes = sorted({str(c).strip() for c in codes if str(c).strip()})
        unknown = [c for c in codes if c not in catalog.options.get(attribute.code, set())]
        if unknown:
            raise ValueError(f"option(s) {', '.join(map(repr, unknown))} do not exist")
        return codes
    if kind == T.PRICE:
        if not isinstance(raw, Mapping):
            raise ValueError('expected prices per currency, e.g. {"EUR": "12.50"}')
        prices = {}
        for currency, amount in sorted(raw.items()):
            if currency not in catalog.currencies:
                raise ValueError(f"currency {currency!r} is not active in Noel")
            value = _decimal(amount)
            if value < 0:
                raise ValueError(f"price {value} {currency} is negative")
            if value != value.quantize(Decimal(1).scaleb(-currency_exponent(currency))):
                raise ValueError(f"{value} {currency} has more decimals than {currency} allows")
            prices[currency] = format(value, "f")
        return prices
    if kind == T.MEASUREMENT:
        if not isinstance(raw, Mapping) or "amount" not in raw:
            raise ValueError('expected {"amount": "1.5", "unit": "KILOGRAM"}')
        unit = str(raw.get("unit") or attribute.default_unit)
        family = attribute.measurement_family.code if attribute.measurement_family else ""
        if unit not in catalog.units.get(family, set()):
            raise ValueError(f"unit {unit!r} is not a unit of {family}")
        if attribute.allowed_units and unit not in attribute.allowed_units:
            raise ValueError(f"unit {unit!r} is not allowed here ({', '.join(attribute.allowed_units)})")
        amount = _decimal(raw["amount"])
        _check_number(attribute, amount)
        return {"amount": format(amount.normalize(), "f"), "unit": unit}
    raise ValueError(f"unsupported attribute type {kind}")


def _check_number(attribute: Attribute, number: Decimal) -> None:
    if not attribute.decimals_allowed and number != number.to_integral_value():
        raise ValueError(f"{number} must be a whole number")
    if not attribute.negative_allowed and number < 0:
        raise ValueError(f"{number} must not be negative")
    if attribute.min_value is not None and number < attribute.min_value:
        raise ValueError(f"{number} is below the minimum {attribute.min_value.normalize()}")
    if attribute.max_value is not None and number > attribute.max_value:
        raise ValueError(f"{number} is above the maximum {attribute.max_value.normalize()}")


def is_empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def clean_values(
    values: Mapping[str, Any], *, allowed: Iterable[str], catalog: Catalog, sku: str = ""
) -> tuple[dict[str, dict[str, dict[str, Any]]], list[ValueIssue]]:
    """Check every value against its attribute; return the stored form and the issues found.

    Empty values are dropped (an empty cell clears the value). Unknown attributes, attributes outside
    the family, wrong locale/channel keys and invalid values are reported, never silently dropped.
    """
    allowed = allowed if isinstance(allowed, set | frozenset) else set(allowed)
    cleaned: dict[str, dict[str, dict[str, Any]]] = {}
    issues: list[ValueIssue] = []
    for code, by_locale in values.items():
        attribute = catalog.attributes.get(code)
        if attribute is None:
            issues.append(ValueIssue(code, "unknown attribute", sku=sku))
            continue
        if code not in allowed:
            issues.append(ValueIssue(code, "not an attribute of this product's family (or level)", sku=sku))
            continue
        if type(by_locale) is not dict and not isinstance(by_locale, Mapping):  # dict first: ABCs are slow
            issues.append(ValueIssue(code, 'expected {locale or "*": {channel or "*": value}}', sku=sku))
            continue
        localizable, scopable, kept = attribute.localizable, attribute.scopable, {}
        for locale, by_channel in by_locale.items():
            if localizable and locale == ANY:
                issues.append(ValueIssue(code, "is localizable: give a locale such as fr_FR", sku=sku))
                continue
            if not localizable and locale != ANY:
                issues.append(ValueIssue(code, "is not localizable: use *", locale, sku=sku))
                continue
            if localizable and locale not in catalog.locales:
                issues.append(ValueIssue(code, "unknown or inactive locale", locale, sku=sku))
                continue
            if type(by_channel) is not dict and not isinstance(by_channel, Mapping):
                issues.append(ValueIssue(code, 'expected {channel or "*": value}', locale, sku=sku))
                continue
            slots = {}
            for channel, raw in by_channel.items():
                if scopable and channel == ANY:
                    issues.append(ValueIssue(code, "is scopable: give a channel", locale, sku=sku))
                    continue
                if not scopable and channel != ANY:
                    issues.append(ValueIssue(code, "is not scopable: use *", locale, channel, sku=sku))
                    continue
                if scopable and channel not in catalog.channels:
                    issues.append(ValueIssue(code, "unknown channel", locale, channel, sku=sku))
                    continue
                if is_empty(raw):
                    continue
                try:
                    slots[channel] = catalog.normalise(attribute, raw)
                except ValueError as exc:
                    issues.append(ValueIssue(code, str(exc), locale, channel, sku=sku))
            if slots:
                kept[locale] = slots
        if kept:
            cleaned[code] = kept
    return cleaned, issues


def merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """Values of `override` over those of `base`, per attribute, locale and channel (variant over parent)."""
    merged: dict[str, Any] = {
        code: {loc: dict(ch) for loc, ch in by_loc.items()} for code, by_loc in base.items()
    }
    for code, by_locale in override.items():
        for locale, by_channel in by_locale.items():
            merged.setdefault(code, {}).setdefault(locale, {}).update(by_channel)
    return merged


def channel_chain(channel: str, fallbacks: Mapping[str, Sequence[str]]) -> tuple[str, ...]:
    """The channels whose scoped values `channel` reads, in order: its own, then those it takes values
    from (`fallbacks`: channel code → the codes it names), each followed by theirs, each channel once (a
    loop of channels naming each other ends where it comes back)."""
    chain: list[str] = []
    pending = [channel]
    while pending:
        code = pending.pop(0)
        if code in chain:
            continue
        chain.append(code)
        pending[:0] = [c for c in fallbacks.get(code, ()) if c not in chain]
    return tuple(chain)


def channel_chains() -> dict[str, tuple[str, ...]]:
    """Every channel's chain (`channel_chain`), in one query."""
    from apps.core.models import Channel

    fallbacks = dict(Channel.objects.values_list("code", "fallbacks"))
    return {code: channel_chain(code, fallbacks) for code in fallbacks}


def value_of(
    values: Mapping[str, Any],
    attribute: str,
    locale: str = ANY,
    channel: str = ANY,
    chain: Sequence[str] = (),
) -> Any:
    """The value for one locale and channel, falling back to the non-scoped/non-localized one. `chain`
    (from `channel_chain`, starting with `channel`) names the channels whose scoped values the channel
    takes where it has none of its own: completeness counts the same slots (`value_slots`)."""
    by_locale = values.get(attribute) or {}
    channels = (*chain, ANY) if chain else (channel, ANY)
    for loc in (locale, ANY):
        by_channel = by_locale.get(loc)
        if not by_channel:
            continue
        for ch in channels:
            if ch in by_channel and not is_empty(by_channel[ch]):
                return by_channel[ch]
    return None


def value_source(
    values: Mapping[str, Any], attribute: str, locale: str, channel: str, chain: Sequence[str]
) -> tuple[Any, str] | None:
    """The value `value_of` reads and the channel it is scoped to (ANY: every channel), or None."""
    by_locale = values.get(attribute) or {}
    for loc in (locale, ANY):
        by_channel = by_locale.get(loc) or {}
        for ch in (*(chain or (channel,)), ANY):
            if ch in by_channel and not is_empty(by_channel[ch]):
                return by_channel[ch], ch
    return None


def value_slots(code: str, locale: str, chain: Sequence[str]) -> frozenset[tuple[str, str, str]]:
    """The (attribute, locale, channel) slots any of which gives `code` a value for `locale` and the
    channel starting `chain`, as `value_of` reads them."""
    return frozenset((code, lo, ch) for lo in (locale, ANY) for ch in (*chain, ANY))


@functools.lru_cache(maxsize=4096)
def column_name(code: str, locale: str = ANY, channel: str = ANY) -> str:
    """A value slot's column in Akeneo's convention: `code[-locale][-channel]` (a few hundred distinct
    slots, asked for once per value of every row exported, imported or diffed: remembered)."""
    return "-".join(part for part in (code, locale, channel) if part != ANY)


def _flat(values: Mapping[str, Any]) -> dict[str, Any]:
    return {
        column_name(code, locale, channel): value
        for code, by_locale in values.items()
        for locale, by_channel in by_locale.items()
        for channel, value in by_channel.items()
    }


def diff(old: Mapping[str, Any], new: Mapping[str, Any]) -> dict[str, list[Any]]:
    """{"attribute[-locale][-channel]": [old, new]} for each value that changed, in Akeneo's column names."""
    if not old:  # a creation (every import row of a new product): one pass
        return {
            column_name(code, locale, channel): [None, value]
            for code, by_locale in sorted(new.items())
            for locale, by_channel in by_locale.items()
            for channel, value in by_channel.items()
            if value is not None
        }
    before, after = _flat(old), _flat(new)
    return {
        key: [before.get(key), after.get(key)]
        for key in sorted(before.keys() | after.keys())
        if before.get(key) != after.get(key)
    }


def convert(measurement: Mapping[str, str], to_unit: str, units: Mapping[str, Decimal]) -> dict[str, str]:
    """A measurement in another unit of its family (`units`: unit code → factor to the standard unit).

    Values are stored in the unit they were given in; channels that want grams or centimetres convert.
    """
    if measurement["unit"] not in units or to_unit not in units:
        raise ValueError(f"cannot convert {measurement['unit']} to {to_unit}")
    amount = _decimal(measurement["amount"]) * units[measurement["unit"]] / units[to_unit]
    return {"amount": format(amount.normalize(), "f"), "unit": to_unit}
