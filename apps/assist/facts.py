"""What is said to a provider about a product: only the product's own data (its values in the locale,
its family and categories), never prices, people or other products."""

from __future__ import annotations

from typing import Any

from apps.products import values as vals
from apps.products.models import Attribute, AttributeOption, Category, Product
from apps.products.services import effective_values

T = Attribute.Type
# Prices change and are said by each channel's feed; media are file names; identifiers are codes.
_LEFT_OUT = {T.PRICE, T.MEDIA, T.IDENTIFIER}


def _label(labels: dict[str, str], locale: str, code: str) -> str:
    if labels.get(locale):
        return labels[locale]
    language = locale[:2]
    for key, text in sorted(labels.items()):
        if key.startswith(language) and text:
            return text
    return code


def product_facts(product: Product, *, locale: str, channel: str, leave_out: str = "") -> dict[str, Any]:
    """{"sku", "family", "categories", "attributes": {label: text}}: the product's values read for
    `locale` and `channel` as the channel reads them, option codes as their labels in the locale,
    measurements with their unit. `leave_out`: the attribute the text is written for."""
    values = effective_values(product)
    attributes = {
        a.code: a
        for a in Attribute.objects.filter(code__in=list(values)).select_related("measurement_family")
    }
    options = {
        (o.attribute.code, o.code): _label(o.labels, locale, o.code)
        for o in AttributeOption.objects.filter(attribute__code__in=list(attributes)).select_related(
            "attribute"
        )
    }
    facts: dict[str, str] = {}
    for code, attribute in sorted(attributes.items(), key=lambda item: (item[1].sort_order, item[0])):
        if code == leave_out or attribute.type in _LEFT_OUT:
            continue
        value = vals.value_of(values, code, locale if attribute.localizable else vals.ANY, channel)
        if value is None:
            continue
        if attribute.type == T.SELECT:
            text = options.get((code, value), value)
        elif attribute.type == T.MULTISELECT:
            text = ", ".join(options.get((code, v), v) for v in value)
        elif attribute.type == T.MEASUREMENT:
            text = f"{value.get('amount')} {_unit_symbol(attribute, value.get('unit', ''))}"
        elif attribute.type == T.BOOLEAN:
            text = "yes" if value else "no"
        else:
            text = str(value)
        facts[_label(attribute.labels, locale, code)] = text
    categories = Category.objects.filter(code__in=product.categories).order_by("path")
    return {
        "sku": product.sku,
        "family": _label(product.family.labels, locale, product.family.code),
        "categories": [_label(c.labels, locale, c.code) for c in categories],
        "attributes": facts,
    }


def _unit_symbol(attribute: Attribute, unit: str) -> str:
    family = attribute.measurement_family
    if family is None:
        return unit
    found = family.units.filter(code=unit).values_list("symbol", flat=True).first()
    return found or unit


def facts_text(facts: dict[str, Any]) -> str:
    """Every fact as one text, for the guard rails to look numbers and names up in."""
    parts = [facts.get("sku", ""), facts.get("family", ""), *facts.get("categories", [])]
    for label, text in facts.get("attributes", {}).items():
        parts += [label, text]
    return "\n".join(str(p) for p in parts)
