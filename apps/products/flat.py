"""Noel's flat product format, in Akeneo's convention: one row per product, one column per value.

Columns: sku, family, categories, enabled, parent, family_variant, gtin, then
`<attribute>[-<locale>][-<channel>]`, a price collection as `<attribute>[-<locale>][-<channel>]-<CUR>`,
a measurement as the amount column plus
`<…>-unit`, multi-selects as comma-separated codes, associations as `<TYPE>-products`. Exported cells
that a spreadsheet would run as a formula (=, +, -, @) are escaped with a leading apostrophe.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from typing import Any

from django.db import connection
from django.db.models import QuerySet

from apps.core.tabular import escape_cell
from apps.products import values as vals
from apps.products.models import Attribute, Product

BASE_COLUMNS = ["sku", "family", "categories", "enabled", "parent", "family_variant", "gtin"]


def _column(code: str, locale: str, channel: str) -> str:
    return "-".join(part for part in (code, locale, channel) if part != vals.ANY)


def value_cells(product_values: dict[str, Any], types: dict[str, str]) -> dict[str, str]:
    """The flat cells of one product's own values."""
    cells: dict[str, str] = {}
    for code, by_locale in product_values.items():
        kind = types.get(code)
        for locale, by_channel in by_locale.items():
            for channel, value in by_channel.items():
                column = _column(code, locale, channel)
                if kind == Attribute.Type.PRICE:
                    for currency, amount in value.items():
                        cells[f"{column}-{currency}"] = amount
                elif kind == Attribute.Type.MEASUREMENT:
                    cells[column], cells[f"{column}-unit"] = value["amount"], value["unit"]
                elif kind == Attribute.Type.MULTISELECT:
                    cells[column] = ",".join(value)
                elif kind == Attribute.Type.BOOLEAN:
                    cells[column] = "1" if value else "0"
                else:
                    cells[column] = str(value)
    return cells


def rows(queryset: QuerySet[Product], chunk_size: int = 2000) -> Iterator[dict[str, str]]:
    """One dict per product, streamed from the database in chunks (memory stays flat)."""
    types = dict(Attribute.objects.values_list("code", "type"))
    fields = (
        "sku",
        "family__code",
        "categories",
        "enabled",
        "parent__sku",
        "family_variant__code",
        "gtin",
        "values",
        "associations",
    )
    for sku, family, categories, enabled, parent, variant, gtin, values, associations in queryset.values_list(
        *fields
    ).iterator(chunk_size=chunk_size):
        row = {
            "sku": sku,
            "family": family,
            "categories": ",".join(categories),
            "enabled": "1" if enabled else "0",
            "parent": parent or "",
            "family_variant": variant or "",
            "gtin": gtin or "",
        }
        row.update(value_cells(values, types))
        row.update({f"{kind}-products": ",".join(skus) for kind, skus in associations.items()})
        yield row


def header(queryset: QuerySet[Product]) -> list[str]:
    """Every column the selection uses, base columns first, then sorted.

    PostgreSQL lists the distinct value slots (attribute, locale, channel, and the keys of a price or a
    measurement) rather than Python decoding every product's values once more before the rows."""
    types = dict(Attribute.objects.values_list("code", "type"))
    ids, params = queryset.values("pk").query.sql_with_params()
    seen: set[str] = set()
    with connection.cursor() as cursor:
        cursor.execute(_VALUE_SLOTS.format(ids=ids), params)
        for code, locale, channel, keys in cursor.fetchall():
            sample = dict.fromkeys(keys, "") if keys is not None else ""
            seen.update(value_cells({code: {locale: {channel: sample}}}, types))
        cursor.execute(_ASSOCIATION_KINDS.format(ids=ids), params)
        seen.update(f"{kind}-products" for (kind,) in cursor.fetchall())
    return BASE_COLUMNS + sorted(seen)


_VALUE_SLOTS = """
SELECT DISTINCT a.key, l.key, c.key,
       CASE WHEN jsonb_typeof(c.value) = 'object' THEN ARRAY(SELECT jsonb_object_keys(c.value)) END
FROM products_product p, jsonb_each(p."values") a, jsonb_each(a.value) l, jsonb_each(l.value) c
WHERE p.id IN ({ids})
"""
_ASSOCIATION_KINDS = (
    "SELECT DISTINCT jsonb_object_keys(associations) FROM products_product WHERE id IN ({ids})"
)


def csv_lines(
    queryset: QuerySet[Product], delimiter: str = ";", columns: list[str] | None = None
) -> Iterable[str]:
    """The selection as CSV text, line by line, for a streaming response."""
    columns = columns or header(queryset)
    buffer = io.StringIO()
    writer = csv.DictWriter(
        buffer, fieldnames=columns, delimiter=delimiter, extrasaction="ignore", lineterminator="\n"
    )
    writer.writeheader()
    yield buffer.getvalue()
    for row in rows(queryset):
        buffer.seek(0)
        buffer.truncate()
        writer.writerow({key: escape_cell(value) for key, value in row.items()})
        yield buffer.getvalue()


def keep_columns(
    columns: list[str], *, attributes: set[str] | None, locales: set[str] | None, channels: set[str] | None
) -> list[str]:
    """The header trimmed to the chosen attributes, locales and channels (base columns always stay)."""
    from apps.core.models import Channel, Locale

    every_locale = set(Locale.objects.values_list("code", flat=True))
    every_channel = set(Channel.objects.values_list("code", flat=True))
    kept = []
    for column in columns:
        code, *parts = column.split("-")
        if column in BASE_COLUMNS or column.endswith("-products"):
            kept.append(column)
            continue
        if attributes is not None and code not in attributes:
            continue
        if locales is not None and any(p in every_locale and p not in locales for p in parts):
            continue
        if channels is not None and any(p in every_channel and p not in channels for p in parts):
            continue
        kept.append(column)
    return kept


def xlsx_write(queryset: QuerySet[Product], handle, columns: list[str] | None = None) -> int:
    """The selection as an XLSX sheet, written in openpyxl's write-only mode (memory stays flat)."""
    import openpyxl

    columns = columns or header(queryset)
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("products")
    sheet.append(columns)
    count = 0
    for row in rows(queryset):
        sheet.append([escape_cell(row.get(column, "")) for column in columns])
        count += 1
    book.save(handle)
    return count
