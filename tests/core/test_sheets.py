"""The one CSV writer and the XLSX cell rule: formulas escaped, numbers kept, every text read back."""

import csv
import io

import openpyxl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from apps.core.sheets import CsvWriter, csv_text, escape_cell, unescape, xlsx_row
from apps.exchange.tabular import Table

DANGEROUS = [
    '=HYPERLINK("http://evil.example","click")',
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    "-",
    "'=already marked",
]


@pytest.mark.parametrize("value", DANGEROUS)
def test_a_cell_a_spreadsheet_would_run_gets_a_leading_apostrophe(value):
    assert escape_cell(value) == "'" + value
    assert unescape(escape_cell(value)) == value


@pytest.mark.parametrize("value", ["-5", "+3", "-12.50", "-2,5", "1e5", "-1.5E-3", "9.90 EUR", "Noël", ""])
def test_numbers_and_plain_text_are_written_as_they_are(value):
    assert escape_cell(value) == value
    assert unescape(value) == value


@given(st.text())
def test_escaping_then_unescaping_gives_back_any_text(text):
    assert unescape(escape_cell(text)) == text
    assert not escape_cell(text).startswith(("=", "@", "\t", "\r")) or escape_cell(text) == text == ""


def test_the_writer_escapes_every_cell_and_quotes_a_bare_carriage_return():
    line = CsvWriter(delimiter=";").line(["=1+1", "a\rb", -5, None, "ok"])
    assert line == '\'=1+1;"a\rb";-5;;ok\n'
    assert next(csv.reader(io.StringIO(line, newline=""), delimiter=";")) == ["'=1+1", "a\rb", "-5", "", "ok"]


def test_a_file_written_for_noels_own_import_may_keep_its_cells_as_they_are():
    out = io.StringIO()
    CsvWriter(out, delimiter=";", escape=False).writerow(["=1+1", "a\rb"])
    assert out.getvalue() == '=1+1;"a\rb"\n'


NASTY = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=40
) | st.sampled_from(["=1+1", "'=x", "''+y", "a\rb", "_x000B_", "_x005F_x000B_", "\x0b", "\r", " lead", "-5"])


@given(st.lists(NASTY, min_size=1, max_size=5))
def test_a_csv_of_any_texts_reads_back_unchanged(cells):
    text = csv_text([["sku"] + ["h"] * len(cells), ["A", *cells]])
    [(_number, read)] = list(Table(io.BytesIO(text.encode()), "x.csv").rows())
    assert [unescape(cell) for cell in read] == ["A", *cells]


@given(st.lists(NASTY, min_size=1, max_size=5))
def test_an_xlsx_of_any_texts_reads_back_unchanged(cells):
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("s")
    sheet.append(xlsx_row(["sku"] + ["h"] * len(cells)))
    sheet.append(xlsx_row(["A", *cells]))  # a control character made openpyxl raise IllegalCharacterError
    handle = io.BytesIO()
    book.save(handle)
    handle.seek(0)
    [(_number, read)] = list(Table(handle, "x.xlsx").rows())
    read = [unescape(cell) for cell in read]
    assert read + [""] * (len(cells) + 1 - len(read)) == ["A", *cells]
