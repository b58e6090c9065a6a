"""Noel's flat product format, in Akeneo's convention: one row per product, one column per value.

Columns: sku, family, categories, enabled, parent, family_variant, gtin, then
`<attribute>[-<locale>][-<channel>]`, a price collection as `<attribute>[-<locale>][-<channel>]-<CUR>`,
a measurement as the amount column plus
`<…>-unit`, multi-selects as comma-separated codes, associations as `<TYPE>-products`. Exported cells
that a spreadsheet would run as a formula (=, +, -, @) are escaped with a leading apostrophe, and an
XLSX's control characters written in Excel's notation, by the writers of `apps.core.sheets`.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import orjson
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import QuerySet
from django.http import FileResponse, StreamingHttpResponse
from django.utils.translation import gettext as _

from apps.core.sheets import CellTooLong, CsvWriter, xlsx_row
from apps.products import values as vals
from apps.products.models import Attribute, Product

BASE_COLUMNS = ["sku", "family", "categories", "enabled", "parent", "family_variant", "gtin"]
OBJECT_TYPES = (Attribute.Type.PRICE, Attribute.Type.MEASUREMENT)  # values that spread over several columns


def value_cells(product_values: dict[str, Any], types: dict[str, str]) -> dict[str, str]:
    """The flat cells of one product's own values."""
    cells: dict[str, str] = {}
    for code, by_locale in product_values.items():
        kind = types.get(code)
        for locale, by_channel in by_locale.items():
            for channel, value in by_channel.items():
                column = vals.column_name(code, locale, channel)
                if kind in OBJECT_TYPES:
                    for key, cell in value.items():
                        name = key_column(column, key, kind == Attribute.Type.MEASUREMENT)
                        if name:
                            cells[name] = cell
                else:
                    cells[column] = cell_text(kind, value)
    return cells


def key_column(column: str, key: str, measurement: bool) -> str | None:
    """The column of one key of an object value: a price's currency, a measurement's amount or unit."""
    if measurement:
        return {"amount": column, "unit": f"{column}-unit"}.get(key)
    return f"{column}-{key}"


def cell_text(kind: str | None, value: Any) -> str:
    """The cell of a value that is neither a price nor a measurement."""
    if kind == Attribute.Type.MULTISELECT:
        return ",".join(value)
    if kind == Attribute.Type.BOOLEAN:
        return "1" if value else "0"
    return str(value)


def rows(queryset: QuerySet[Product], columns: list[str], chunk_size: int = 2000) -> Iterator[list[str]]:
    """One list of cells per product (as stored: the writers escape them), in `columns`' order, streamed
    from a server-side cursor.

    Where each value slot's cells go is worked out once per export (`_SlotPlaces`), not once per product
    (#15): the per-row cost is a JSON decode and one list store per cell. A cell `columns` lacks is left
    out."""
    slots = _SlotPlaces(dict(Attribute.objects.values_list("code", "type")), columns)
    width = len(columns)
    fields = ("sku", "family__code", "categories", "enabled", "parent__sku", "family_variant__code", "gtin")
    sql, params = queryset.values_list(*fields, "values", "associations").query.sql_with_params()
    places = [(index, slots.position.get(column)) for index, column in enumerate(BASE_COLUMNS)]
    places = [(index, place) for index, place in places if place is not None]
    loads = orjson.loads  # the decode is most of an export's per-row cost; orjson's is four times faster
    with connection.chunked_cursor() as cursor:
        cursor.execute(sql, params)
        while batch := cursor.fetchmany(chunk_size):
            for sku, family, categories, enabled, parent, variant, gtin, values, associations in batch:
                row = [""] * width
                base = (sku, family, ",".join(categories), "1" if enabled else "0", parent, variant, gtin)
                for index, place in places:
                    row[place] = base[index] or ""
                for code, by_locale in loads(values).items():
                    for locale, by_channel in by_locale.items():
                        for channel, value in by_channel.items():
                            slot = slots[code, locale, channel]
                            if slot.keys is not None:  # a price's currencies, a measurement's amount and unit
                                for key, cell in value.items():
                                    place = slot.keys[key]
                                    if place is not None:
                                        row[place] = cell
                            elif slot.place is not None:
                                row[slot.place] = cell_text(slot.kind, value)
                for association, skus in loads(associations).items():
                    place = slots.position.get(f"{association}-products")
                    if place is not None:
                        row[place] = ",".join(skus)
                yield row


@dataclass(frozen=True)
class _Slot:
    kind: str | None
    place: int | None  # a plain value's column
    keys: _KeyPlaces | None  # a price's or a measurement's


class _KeyPlaces(dict[str, int | None]):
    """The columns of an object value's keys (a price's currencies; a measurement's amount and unit)."""

    def __init__(self, column: str, position: dict[str, int], measurement: bool):
        super().__init__()
        self.column, self.position, self.measurement = column, position, measurement

    def __missing__(self, key: str) -> int | None:
        name = key_column(self.column, key, self.measurement)
        place = self[key] = self.position.get(name) if name else None
        return place


class _SlotPlaces(dict[tuple[str, str, str], _Slot]):
    """The columns of each value slot an export meets, worked out the first time it is met."""

    def __init__(self, types: dict[str, str], columns: list[str]):
        super().__init__()
        self.types = types
        self.position = {column: index for index, column in enumerate(columns)}

    def __missing__(self, slot: tuple[str, str, str]) -> _Slot:
        code, locale, channel = slot
        kind = self.types.get(code)
        column = vals.column_name(code, locale, channel)
        keys = None
        if kind in OBJECT_TYPES:
            keys = _KeyPlaces(column, self.position, kind == Attribute.Type.MEASUREMENT)
        planned = self[slot] = _Slot(kind, self.position.get(column), keys)
        return planned


def header(queryset: QuerySet[Product]) -> list[str]:
    """Every column the selection uses, base columns first, then sorted.

    PostgreSQL lists the distinct value slots (attribute, locale, channel, and the keys of a price or a
    measurement) rather than Python decoding every product's values once more before the rows."""
    types = dict(Attribute.objects.values_list("code", "type"))
    ids, params = queryset.values("pk").order_by().query.sql_with_params()  # a set: its order costs a sort
    samples: dict[tuple[str, str, str], dict[str, str]] = {}
    with connection.cursor() as cursor:
        cursor.execute(_VALUE_SLOTS.format(ids=ids), params)
        for code, locale, channel, key in cursor.fetchall():
            samples.setdefault((code, locale, channel), {})[key] = ""
        cursor.execute(_ASSOCIATION_KINDS.format(ids=ids), params)
        seen = {f"{kind}-products" for (kind,) in cursor.fetchall()}
    for (code, locale, channel), keys in samples.items():
        sample = "" if None in keys else keys  # a plain value, or a price's or measurement's keys
        seen.update(value_cells({code: {locale: {channel: sample}}}, types))
    return BASE_COLUMNS + sorted(seen)


# One row per slot and key of an object (a price's currencies, a measurement's amount and unit), NULL for
# a plain value: each level is walked once by jsonb_each, with no subquery per slot (twice as fast).
_VALUE_SLOTS = """
SELECT DISTINCT a.key, l.key, c.key, k
FROM products_product p, jsonb_each(p."values") a, jsonb_each(a.value) l, jsonb_each(l.value) c
LEFT JOIN LATERAL jsonb_object_keys(CASE WHEN jsonb_typeof(c.value) = 'object' THEN c.value END) k ON true
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
    writer = CsvWriter(delimiter=delimiter)
    yield writer.line(columns)
    for row in rows(queryset, columns):
        yield writer.line(row)


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
    sheet.append(xlsx_row(columns))
    count = 0
    for row in rows(queryset, columns):
        try:
            sheet.append(xlsx_row(row))
        except CellTooLong as exc:
            sheet.close()  # openpyxl's row writer, left open, would complain when collected
            sku = row[columns.index("sku")] if "sku" in columns else ""
            raise ValidationError(
                {
                    "format": _(
                        "{sku}, column {column}: {length} characters, but an XLSX cell holds at most "
                        "32,767 characters; export as CSV, which holds any length"
                    ).format(sku=sku, column=columns[exc.index], length=exc.length)
                }
            ) from exc
        count += 1
    book.save(handle)
    return count


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def download(
    queryset: QuerySet[Product],
    *,
    file_format: str = "csv",
    delimiter: str = ";",
    attributes: set[str] | None = None,
    locales: set[str] | None = None,
    channels: set[str] | None = None,
) -> StreamingHttpResponse | FileResponse:
    """The selection as a file to download, for the admin and the API: a CSV streams line by line; an
    XLSX (a ZIP, written whole) goes through a temporary file, so memory stays flat either way."""
    queryset = queryset.order_by("sku")
    columns = keep_columns(header(queryset), attributes=attributes, locales=locales, channels=channels)
    if file_format == "xlsx":
        spool = tempfile.TemporaryFile()  # noqa: SIM115 (FileResponse closes it once sent)
        try:
            xlsx_write(queryset, spool, columns)
        except ValidationError:
            spool.close()
            raise
        spool.seek(0)
        return FileResponse(spool, as_attachment=True, filename="products.xlsx", content_type=XLSX)
    response = StreamingHttpResponse(
        csv_lines(queryset, delimiter, columns), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="products.csv"'
    return response
