"""Import/export of reference data, addressed by code (never by database id).

Its files go through Noel's own writing rules (`apps.core.sheets`): the CSV through the one CSV writer,
the XLSX cells escaped against formulas and control characters, and both read back unescaped."""

import tablib
from import_export import resources
from import_export.formats import base_formats

from apps.core.models import Currency, Locale
from apps.core.sheets import csv_text, unescape, xlsx_cell, xlsx_unescape


def _read_back(dataset: tablib.Dataset, *, xlsx: bool) -> tablib.Dataset:
    def cell(value):
        if not isinstance(value, str):
            return value
        return unescape(xlsx_unescape(value) if xlsx else value)

    return tablib.Dataset(*[[cell(v) for v in row] for row in dataset], headers=dataset.headers)


class SafeCSV(base_formats.CSV):
    CONTENT_TYPE = "text/csv; charset=utf-8"

    def export_data(self, dataset, **kwargs):
        return csv_text([dataset.headers or [], *dataset], delimiter=",")

    def create_dataset(self, in_stream, **kwargs):
        return _read_back(super().create_dataset(in_stream, **kwargs), xlsx=False)


class SafeXLSX(base_formats.XLSX):
    def export_data(self, dataset, **kwargs):
        safe = tablib.Dataset(
            *[[xlsx_cell(v) if isinstance(v, str) else v for v in row] for row in dataset],
            headers=[xlsx_cell(h) for h in dataset.headers or []],
        )
        return super().export_data(safe, **kwargs)

    def create_dataset(self, in_stream):
        return _read_back(super().create_dataset(in_stream), xlsx=True)


SAFE_FORMATS = [SafeCSV, SafeXLSX]


class LocaleResource(resources.ModelResource):
    class Meta:
        model = Locale
        import_id_fields = ("code",)
        fields = ("code", "name", "is_active")
        skip_unchanged = True
        report_skipped = True


class CurrencyResource(resources.ModelResource):
    class Meta:
        model = Currency
        import_id_fields = ("code",)
        fields = ("code", "name", "is_active")
        skip_unchanged = True
        report_skipped = True
