"""Reading spreadsheet files for imports: CSV (`;` or `,` detected, UTF-8 with or without BOM, any line
ending, multi-line quoted cells) and XLSX (openpyxl read-only), streamed row by row so that a 200 MB file
never sits in memory. Every refusal names the row and column, and the file is never half-read silently.
"""

from __future__ import annotations

import codecs
import csv
import datetime
import io
import zipfile
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

SAMPLE = 64 * 1024
DELIMITERS = (";", ",")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class RowError:
    """One refused cell or row of a file: row number as a spreadsheet shows it (the header is row 1)."""

    row: int
    column: str
    reason: str
    sku: str = ""
    value: str = ""

    def __str__(self) -> str:
        where = f"row {self.row}" + (f", column {self.column}" if self.column else "")
        return f"{where}{f' ({self.sku})' if self.sku else ''}: {self.reason}"


class ImportRejected(ValidationError):
    """An import refused as a whole: nothing was written; each error names its row and column."""

    def __init__(self, errors: list[RowError], report: dict[str, Any] | None = None):
        self.errors = errors
        self.report = report or {}
        super().__init__([str(e) for e in errors[:50]] or [_("the file was refused")])

    def as_dicts(self) -> list[dict[str, Any]]:
        return [asdict(e) for e in self.errors]


def _file_error(reason: str, column: str = "", row: int = 1) -> ImportRejected:
    return ImportRejected([RowError(row, column, reason)])


def unescape(cell: str) -> str:
    """Undo the export's formula escaping ('=x → =x) so a round trip gives back the same text."""
    if len(cell) > 1 and cell[0] == "'" and cell[1] in "=+-@\t\r":
        return cell[1:]
    return cell


def is_formula(cell: str) -> bool:
    """A live spreadsheet formula: never data, never executed, refused with its row and column."""
    return cell.startswith("=") and len(cell) > 1


class Table:
    """A header and an iterator of (row number, cells) read from a CSV or XLSX file object."""

    def __init__(self, handle: IO[bytes], name: str = ""):
        self.handle = handle
        self.name = name
        head = handle.read(8)
        handle.seek(0)
        self.kind = "xlsx" if head.startswith(b"PK\x03\x04") or name.lower().endswith(".xlsx") else "csv"
        self.delimiter = ""
        self._rows = self._xlsx() if self.kind == "xlsx" else self._csv()
        try:
            _number, header = next(self._rows)
        except StopIteration:
            raise _file_error(_("the file is empty: a header row is required")) from None
        self.header = [str(cell).strip() for cell in header]
        while self.header and not self.header[-1]:
            self.header.pop()
        if not any(self.header):
            raise _file_error(_("the file is empty: a header row is required"))

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        """Data rows, with blank lines skipped; cells beyond the header are kept for the caller to refuse."""
        for number, cells in self._rows:
            if any(cell.strip() for cell in cells):
                yield number, cells

    def _csv(self) -> Iterator[tuple[int, list[str]]]:
        sample = self.handle.read(SAMPLE)
        self.handle.seek(0)
        if not sample.strip():
            return
        text = _decode_sample(sample)
        first = text.splitlines()[0] if text.splitlines() else ""
        counts = {d: first.count(d) for d in DELIMITERS}
        self.delimiter = max(counts, key=lambda d: counts[d])
        if counts[self.delimiter] == 0:
            found = next((d for d in ("\t", "|") if d in first), "")
            hint = (
                _("it seems to use {found!r}").format(found=found) if found else _("it has a single column")
            )
            raise _file_error(
                _(
                    "the header has no ';' or ',' between columns ({hint}): "
                    "save the file with ; or , as the delimiter"
                ).format(hint=hint),
                column=first[:60],
            )
        stream = io.TextIOWrapper(self.handle, encoding="utf-8-sig", newline="")
        reader = csv.reader(stream, delimiter=self.delimiter)
        number = 0
        try:
            for cells in reader:
                number += 1
                yield number, cells
        except UnicodeDecodeError as exc:
            raise _file_error(
                _("the file is not valid UTF-8 after row {row} ({exc}): save it as UTF-8").format(
                    row=number, exc=exc.reason
                ),
                row=number + 1,
            ) from exc
        except csv.Error as exc:
            raise _file_error(str(exc), row=number + 1) from exc
        finally:
            if not self.handle.closed:
                stream.detach()

    def _xlsx(self) -> Iterator[tuple[int, list[str]]]:
        import openpyxl

        try:
            book = openpyxl.load_workbook(self.handle, read_only=True, data_only=False)
        except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
            raise _file_error(
                _("the XLSX file is damaged or truncated ({exc}): export it again").format(exc=exc)
            ) from exc
        sheet = book.worksheets[0]
        try:
            for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
                yield number, [_xlsx_cell(value) for value in row]
        except (zipfile.BadZipFile, KeyError, OSError, EOFError, ValueError) as exc:
            raise _file_error(
                _("the XLSX file is damaged or truncated ({exc}): export it again").format(exc=exc)
            ) from exc
        finally:
            book.close()


def _decode_sample(sample: bytes) -> str:
    """Decode the first bytes as UTF-8 (a character cut at the end is fine), or say what the file is."""
    try:
        return codecs.getincrementaldecoder("utf-8-sig")().decode(sample, final=False)
    except UnicodeDecodeError as exc:
        from charset_normalizer import from_bytes

        guess = from_bytes(sample).best()
        found = guess.encoding if guess is not None else _("an unknown encoding")
        raise _file_error(
            _("the file is not UTF-8 (it looks like {found}, byte {at}): save it as UTF-8").format(
                found=found, at=exc.start
            )
        ) from exc


def _xlsx_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return format(Decimal(repr(value)).normalize(), "f") if value == value else ""
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)
