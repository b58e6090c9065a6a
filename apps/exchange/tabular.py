"""Reading spreadsheet files for imports: CSV (`;` or `,` detected, UTF-8 with or without BOM, any line
ending, multi-line quoted cells) and XLSX (openpyxl read-only), streamed row by row so that a 200 MB file
never sits in memory. Every refusal names the row and column, and the file is never half-read silently.
"""

from __future__ import annotations

import codecs
import csv
import datetime
import io
import time
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

# the writing rules (`sheets`), imported by the readers from here too
from apps.core.sheets import FORMULA_START, escape_cell, unescape, xlsx_unescape  # noqa: F401
from apps.core.uploads import UnreadableArchive, archive_check

SAMPLE = 64 * 1024
DELIMITERS = (";", ",")
MAX_ERRORS_KEPT = 1000
MARKED_START = ("=", "'")  # what `is_formula` and `unescape` look for first
Progress = Callable[[int], None]


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


def in_file_order(errors: list[RowError]) -> list[RowError]:
    """Some checks run as a row is read, others when its chunk is validated: people read the refused rows
    top to bottom, each row's errors in the order they were found."""
    return sorted(errors, key=lambda error: error.row)


@dataclass
class ImportReport:
    """What an import did (or would do, for a dry run); kept with the job and printed by the command."""

    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    pending: int = 0
    rejected: int = 0
    errors: list[RowError] = field(default_factory=list)
    error_count: int = 0
    columns_ignored: list[str] = field(default_factory=list)
    seconds: float = 0.0
    dry_run: bool = False
    # cells that did not refuse their row (a picture the archive lacks): imported without them, listed
    warnings: list[RowError] = field(default_factory=list)

    def error(self, error: RowError) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_ERRORS_KEPT:
            self.errors.append(error)

    def warn(self, warning: RowError) -> None:
        if len(self.warnings) < MAX_ERRORS_KEPT:
            self.warnings.append(warning)

    def as_dict(self) -> dict[str, Any]:
        rate = self.rows / self.seconds if self.seconds else 0
        return {
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "pending": self.pending,
            "rejected": self.rejected,
            "error_count": self.error_count,
            "errors": [asdict(e) for e in in_file_order(self.errors)],
            "columns_ignored": self.columns_ignored,
            "warnings": [asdict(w) for w in in_file_order(self.warnings)],
            "seconds": round(self.seconds, 3),
            "rows_per_second": round(rate),
            "dry_run": self.dry_run,
        }


class ImportRejected(ValidationError):
    """An import refused as a whole: nothing was written; each error names its row and column."""

    def __init__(self, errors: list[RowError], report: dict[str, Any] | None = None, in_order: bool = False):
        """`in_order`: the errors are already in the order to show (those of several files, file by file)."""
        self.errors = list(errors) if in_order else in_file_order(errors)
        self.report = report or {}
        super().__init__([str(e) for e in self.errors[:50]] or [_("the file was refused")])

    def as_dicts(self) -> list[dict[str, Any]]:
        return [asdict(e) for e in self.errors]


def _file_error(reason: str, column: str = "", row: int = 1) -> ImportRejected:
    return ImportRejected([RowError(row, column, reason)])


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
        if self.kind == "xlsx":  # a ZIP: its table of contents bounds what reading it costs
            try:
                archive_check(name or "XLSX", handle)
            except UnreadableArchive:
                pass  # openpyxl says it is damaged or truncated, below
            except ValidationError as exc:
                raise _file_error(" ".join(exc.messages)) from exc
        self.delimiter = ""
        self.cut_at = 0  # the row of a CSV that ends inside a quoted cell
        self._rows = self._xlsx() if self.kind == "xlsx" else self._csv()
        try:
            _number, header = next(self._rows)
        except StopIteration:
            if self.cut_at:
                raise _file_error(
                    _("the file ends inside a quoted cell of its header: the file looks cut")
                ) from None
            raise _file_error(_("the file is empty: a header row is required")) from None
        self.header = [str(cell).strip() for cell in header]
        while self.header and not self.header[-1]:
            self.header.pop()
        if not any(self.header):
            raise _file_error(_("the file is empty: a header row is required"))

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        """Data rows, with blank lines skipped; cells beyond the header are kept for the caller to refuse.

        A CSV row with fewer cells than the header, or a CSV ending inside a quoted cell, is a file cut
        short (a download or a copy that stopped): such rows are never given to the caller (a missing
        cell is not an empty one) and, once the whole file is read, the file is refused, each such row
        named, whatever the caller skips. An XLSX row leaves its empty last cells out: they are empty."""
        width = len(self.header)
        cut: list[RowError] = []
        for number, cells in self._rows:
            if not any(cell.strip() for cell in cells):
                continue
            if len(cells) < width:
                if self.kind == "xlsx":
                    cells = cells + [""] * (width - len(cells))
                else:
                    reason = _(
                        "{n} cells for {w} columns: the file looks cut (a row never leaves a cell out, "
                        "not even an empty one); nothing was imported: export or copy the file again"
                    )
                    cut.append(
                        RowError(number, self.header[len(cells) - 1], reason.format(n=len(cells), w=width))
                    )
                    continue
            yield number, cells
        if self.cut_at:
            reason = _(
                "the file ends inside a quoted cell: the file looks cut; nothing was imported: export or "
                "copy the file again"
            )
            cut.append(RowError(self.cut_at, "", reason))
        if cut:
            raise ImportRejected(cut)

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
            if found:
                raise _file_error(
                    _(
                        "the header has no ';' or ',' between columns (it seems to use {found!r}): "
                        "save the file with ; or , as the delimiter"
                    ).format(found=found),
                    column=first[:60],
                )
            # one column (Akeneo's locales.csv: `code` alone): the delimiter its cells hold least, so
            # that a label with a comma stays one cell
            self.delimiter = min(DELIMITERS, key=text.count)
        stream = io.TextIOWrapper(self.handle, encoding="utf-8-sig", newline="")
        lines = _Lines(stream)
        reader = csv.reader(lines, delimiter=self.delimiter)
        number = 0
        held: tuple[int, list[str]] | None = None  # a record is given once the next one is read
        try:
            for cells in reader:
                number += 1
                if held is not None:
                    yield held
                held = number, cells
                raw = lines.take()
            if held is not None:
                if _ends_inside_quotes(raw, self.delimiter):
                    self.cut_at = held[0]
                else:
                    yield held
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
            # rich_text: openpyxl's plain reading of shared strings mangles Excel's `_x005F_` escape
            book = openpyxl.load_workbook(self.handle, read_only=True, data_only=False, rich_text=True)
        except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
            raise _file_error(
                _(
                    "the XLSX file is damaged or truncated ({exc}): the file looks cut; nothing was "
                    "imported: export or copy it again"
                ).format(exc=exc)
            ) from exc
        sheet = book.worksheets[0]
        try:
            for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
                yield number, [_xlsx_cell(value) for value in row]
        except (zipfile.BadZipFile, KeyError, OSError, EOFError, ValueError) as exc:
            raise _file_error(
                _(
                    "the XLSX file is damaged or truncated ({exc}): the file looks cut; nothing was "
                    "imported: export or copy it again"
                ).format(exc=exc)
            ) from exc
        finally:
            book.close()


class _Lines:
    """The lines of a text stream, for the CSV reader, keeping those of the record being read."""

    def __init__(self, stream: IO[str]):
        self.stream = stream
        self.kept: list[str] = []

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        line = next(self.stream)
        self.kept.append(line)
        return line

    def take(self) -> list[str]:
        kept, self.kept = self.kept, []
        return kept


def _ends_inside_quotes(lines: list[str], delimiter: str) -> bool:
    """Whether a CSV record stops inside a quoted cell (the lenient reader keeps such a cell, cut):
    read again strictly, it is the one error a strict reader gives at the end of the data."""
    try:
        for _cells in csv.reader(lines, delimiter=delimiter, strict=True):
            pass
    except csv.Error as exc:
        return "unexpected end of data" in str(exc)
    return False


def _decode_sample(sample: bytes) -> str:
    """Decode the first bytes as UTF-8 (a character cut at the end is fine), or say what the file is."""
    try:
        return codecs.getincrementaldecoder("utf-8-sig")().decode(sample, final=False)
    except UnicodeDecodeError as exc:
        found = _encoding_of(sample)
        start, end = sample.rfind(b"\n", 0, exc.start) + 1, sample.find(b"\n", exc.start)
        line = sample[start : end if end >= 0 else None].decode(found or "latin-1", errors="replace").strip()
        raise _file_error(
            _("the file is not UTF-8 (it looks like {found}: {line}): save it as UTF-8").format(
                found=found or _("an unknown encoding"), line=line[:80]
            ),
            row=sample.count(b"\n", 0, exc.start) + 1,
        ) from exc


# What European spreadsheets save when not UTF-8: Excel's "Unicode text", then Windows' 8 bits
_BOMS = {codecs.BOM_UTF16_LE: "utf-16", codecs.BOM_UTF16_BE: "utf-16"}
_LATIN_PUNCTUATION = set("€‘’“”–—…«»°·×÷\xa0")


def _encoding_of(sample: bytes) -> str | None:
    """A guess at a non-UTF-8 file's encoding. A few accented letters are too little for a statistical
    guess (charset_normalizer calls "crème" Big5), so cp1252, which Excel on Windows writes in Western
    Europe, is taken when it reads every byte as a Latin letter or punctuation."""
    for bom, name in _BOMS.items():
        if sample.startswith(bom):
            return name
    try:
        text = sample.decode("cp1252")
    except UnicodeDecodeError:
        text = ""
    if text and all(c.isascii() or c.isalpha() or c in _LATIN_PUNCTUATION for c in text):
        return "cp1252"
    from charset_normalizer import from_bytes

    guess = from_bytes(sample).best()
    return guess.encoding if guess is not None else None


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
    return xlsx_unescape(str(value))  # a string, or a rich text (its runs' text)


class DryRun(Exception):
    """Raised inside the transaction to roll a dry run back once it has been fully tried."""


def import_lines(
    *,
    handle: IO[bytes],
    name: str,
    required: tuple[str, ...],
    optional: tuple[str, ...],
    parse: Callable[[dict[str, str]], Any],
    apply: Callable[[list[Any]], dict[str, Any]],
    skip_invalid: bool = False,
    dry_run: bool = False,
    progress: Progress | None = None,
    chunk: int = 5000,
) -> ImportReport:
    """A narrow file (prices, stock): each row parsed into one line of an app's batch service, applied in
    chunks inside one transaction, rolled back whole when a row is refused (unless `skip_invalid`).

    `parse` raises RowError-like ValueError(column, reason); `apply` takes the lines and returns the batch
    service's result with its per-line errors ({"index", "sku", "field", "message"}) and counts.
    """
    started = time.perf_counter()
    table = Table(handle, name)
    header = table.header
    missing = [c for c in required if c not in header]
    unknown = [c for c in header if c not in required + optional]
    if missing:
        raise ImportRejected(
            [RowError(1, c, _("the header needs a {column} column").format(column=c)) for c in missing]
        )
    report = ImportReport(dry_run=dry_run, columns_ignored=unknown)
    from apps.core import context

    try:
        with context.bound(origin="import"), transaction.atomic():
            lines: list[Any] = []
            numbers: list[int] = []

            def flush() -> None:
                result = apply(lines)
                for error in result.get("errors", []):
                    report.rejected += 1
                    report.error(
                        RowError(numbers[error["index"]], error["field"], error["message"], error["sku"])
                    )
                applied = result.get("applied", 0)
                changed = result.get("changed", applied)
                report.created += result.get("created", 0)  # a service that tells new lines apart
                report.updated += changed - result.get("created", 0)
                report.unchanged += applied - changed
                lines.clear()
                numbers.clear()
                if progress is not None:
                    progress(report.rows)

            for number, cells in table.rows():
                report.rows += 1
                row = {
                    column: unescape(cells[i].strip()) if i < len(cells) else ""
                    for i, column in enumerate(header)
                }
                try:
                    for column, cell in row.items():
                        if is_formula(cell):
                            raise ValueError(column, _("a formula is not data: type the value itself"))
                    lines.append(parse(row))
                    numbers.append(number)
                except ValueError as exc:
                    column, reason = exc.args
                    report.rejected += 1
                    report.error(RowError(number, column, reason, row.get("sku", ""), row.get(column, "")))
                if len(lines) >= chunk:
                    flush()
            if lines:
                flush()
            report.seconds = time.perf_counter() - started
            if report.error_count and not skip_invalid:
                raise ImportRejected(report.errors, report.as_dict())
            if dry_run:
                raise DryRun
    except DryRun:
        pass
    return report
