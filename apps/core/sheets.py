"""Writing spreadsheet files: the one CSV writer and the XLSX cell rule for everything Noel writes (feeds,
exports, an import's errors.csv, coupon codes), and the reading rules that undo them (`tabular` reads).

Formula injection (OWASP): a cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return is run
by spreadsheets as a formula (`=HYPERLINK(…)`, `+cmd|…`, `@SUM(…)`); such a cell is written with a leading
apostrophe, which spreadsheets show as text and Noel's imports take off again. A plain number (`-5`,
`+3.5`, `-2,5`) is no formula and stays a number. A cell that already starts with apostrophes before such
a character gets one more, so that every text comes back exactly as it was written (`'=x` ⇄ `''=x`).

A CSV cell holding a line break of any kind (`\\n`, a bare `\\r`) is quoted, so that the row never splits.
An XLSX cell cannot hold control characters (openpyxl refuses them, XML turns `\\r` into `\\n`): they
are written in Excel's own `_xHHHH_` notation (a literal `_xHHHH_` as `_x005F_xHHHH_`), which Excel and
Noel's import read back as the characters themselves.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from typing import Any, Protocol

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_DANGEROUS = re.compile(r"'*[=+\-@\t\r]")
_ESCAPED = re.compile(r"'+[=+\-@\t\r]")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)(?:[eE][+-]?\d+)?")


def escape_cell(value: str) -> str:
    """A text a spreadsheet will not run as a formula (and that `unescape` gives back unchanged)."""
    if value and _DANGEROUS.match(value) and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


def unescape(cell: str) -> str:
    """Undo `escape_cell` ('=x → =x, ''=x → '=x): a round trip gives back the same text."""
    return cell[1:] if _ESCAPED.match(cell) else cell


def _text(value: Any) -> str:
    return "" if value is None else value if isinstance(value, str) else str(value)


class _Text(Protocol):
    def write(self, text: str, /) -> Any: ...


class CsvWriter:
    """Rows as CSV lines (`\\n`-terminated), every cell escaped against formulas unless `escape=False`
    (only for a file Noel writes for its own import, never for a person or a channel).

    `line(cells)` returns a row's text (for streamed answers); `writerow(cells)` also writes it to `out`.
    """

    def __init__(self, out: _Text | None = None, *, delimiter: str = ";", escape: bool = True):
        self.out = out
        self.escape = escape
        self._buffer = io.StringIO()
        # "\r\n" as the terminator makes the csv module quote any cell with a \r or a \n in it (with "\n"
        # alone a bare \r would be left unquoted); each line then ends with "\n" only.
        self._writer = csv.writer(self._buffer, delimiter=delimiter, lineterminator="\r\n")

    def line(self, cells: Iterable[Any]) -> str:
        texts = [_text(cell) for cell in cells]
        if self.escape:
            texts = [escape_cell(text) for text in texts]
        self._buffer.seek(0)
        self._buffer.truncate()
        self._writer.writerow(texts)
        return self._buffer.getvalue()[:-2] + "\n"

    def writerow(self, cells: Iterable[Any]) -> str:
        text = self.line(cells)
        if self.out is not None:
            self.out.write(text)
        return text

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def csv_text(rows: Iterable[Iterable[Any]], *, delimiter: str = ";") -> str:
    """A whole (small) CSV file as text."""
    writer = CsvWriter(delimiter=delimiter)
    return "".join(writer.line(row) for row in rows)


XLSX_CELL_MAX = 32767  # characters an XLSX cell holds (openpyxl would cut a longer text silently)


class CellTooLong(ValueError):
    """A text longer than an XLSX cell holds: refused rather than cut (the file would not import back)."""

    def __init__(self, index: int, length: int):
        super().__init__(index, length)
        self.index, self.length = index, length


# Characters an XLSX cell cannot hold as they are; `_` only where it would read as an escape.
_XLSX_UNSAFE = re.compile(r"[\x00-\x08\x0b-\x1f]|_(?=x[0-9A-Fa-f]{4}_)")
_XLSX_ESCAPED = re.compile(r"_x([0-9A-Fa-f]{4})_")


def xlsx_cell(value: Any) -> str:
    """A text as an XLSX cell holds it: escaped against formulas, control characters in `_xHHHH_`."""
    text = escape_cell(_text(value))
    if _XLSX_UNSAFE.search(text):
        text = _XLSX_UNSAFE.sub(lambda match: f"_x{ord(match.group()):04X}_", text)
    return text


def xlsx_row(cells: Iterable[Any]) -> list[str]:
    """A row's XLSX cells; CellTooLong (with the cell's index) for a text over XLSX_CELL_MAX."""
    row = [xlsx_cell(cell) for cell in cells]
    for index, text in enumerate(row):
        if len(text) > XLSX_CELL_MAX:
            raise CellTooLong(index, len(text))
    return row


def xlsx_unescape(text: str) -> str:
    """An XLSX cell's text as written (`_x000B_` → a vertical tab, `_x005F_x000B_` → `_x000B_`)."""
    return _XLSX_ESCAPED.sub(lambda match: chr(int(match.group(1), 16)), text) if "_x" in text else text
