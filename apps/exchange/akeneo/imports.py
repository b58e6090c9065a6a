"""A whole catalog from Akeneo's export files: set-up files (locales, currencies, channels, attribute
groups, attributes, options, categories, association types, families, family variants), then product
models, then products, with media files found inside the uploaded ZIP or folder. Akeneo's groups and
group types, which Noel does not have, are reported as files ignored.

Each file's kind is told by its header (Akeneo's file names vary by export profile). Set-up rows are
written one by one through `apps.products.setup`; product models and products are translated into
Noel's flat format (identifier column → `sku`, `family` from the family variant, values inherited from
a parent left to the parent, media paths → stored assets, a barcode attribute → the GTIN when valid)
and written by the flat import, so validation, versions, audit and completeness are the same as for any
other import. Everything runs in one transaction: one refused row refuses the whole set unless invalid
rows are skipped; a media file the set lacks is a warning on its cell, not a refusal. Columns Noel has
no use for are reported once each, by name.
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import re
import tempfile
import time
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path, PurePosixPath
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.core import context
from apps.core.models import AuditLog, Channel, Locale, User
from apps.core.sheets import CsvWriter
from apps.core.uploads import archive_check
from apps.exchange.akeneo.prices import prices_seed
from apps.exchange.flat.imports import products_import
from apps.exchange.media import media_link, media_store
from apps.exchange.tabular import DryRun, ImportRejected, ImportReport, Progress, RowError, Table, is_formula
from apps.products import flat, services, setup
from apps.products import values as vals
from apps.products.models import (
    Attribute,
    AttributeGroup,
    Category,
    Family,
    FamilyVariant,
    MeasurementFamily,
    Product,
)
from apps.quality.services import import_pictures_missing_record

T = Attribute.Type
IDENTIFIER = "pim_catalog_identifier"
TYPES = {
    "pim_catalog_text": T.TEXT,
    "pim_catalog_textarea": T.TEXTAREA,
    "pim_catalog_number": T.NUMBER,
    "pim_catalog_boolean": T.BOOLEAN,
    "pim_catalog_date": T.DATE,
    "pim_catalog_simpleselect": T.SELECT,
    "pim_catalog_multiselect": T.MULTISELECT,
    "pim_catalog_price_collection": T.PRICE,
    "pim_catalog_metric": T.MEASUREMENT,
    "pim_catalog_image": T.MEDIA,
    "pim_catalog_file": T.MEDIA,
}
# Akeneo's standard measurement units (factor to the standard unit), for a family Noel does not have yet.
UNITS = {
    "weight": (
        "KILOGRAM",
        [
            ("MILLIGRAM", "mg", "0.000001"),
            ("GRAM", "g", "0.001"),
            ("KILOGRAM", "kg", "1"),
            ("TON", "t", "1000"),
            ("OUNCE", "oz", "0.028349523125"),
            ("POUND", "lb", "0.45359237"),
        ],
    ),
    "length": (
        "METER",
        [
            ("MILLIMETER", "mm", "0.001"),
            ("CENTIMETER", "cm", "0.01"),
            ("DECIMETER", "dm", "0.1"),
            ("METER", "m", "1"),
            ("KILOMETER", "km", "1000"),
            ("INCH", "in", "0.0254"),
            ("FOOT", "ft", "0.3048"),
            ("YARD", "yd", "0.9144"),
            ("MILE", "mi", "1609.344"),
        ],
    ),
    "volume": (
        "CUBIC_METER",
        [
            ("CUBIC_MILLIMETER", "mm³", "0.000000001"),
            ("CUBIC_CENTIMETER", "cm³", "0.000001"),
            ("MILLILITER", "ml", "0.000001"),
            ("CENTILITER", "cl", "0.00001"),
            ("DECILITER", "dl", "0.0001"),
            ("LITER", "l", "0.001"),
            ("CUBIC_DECIMETER", "dm³", "0.001"),
            ("CUBIC_METER", "m³", "1"),
        ],
    ),
    "area": (
        "SQUARE_METER",
        [
            ("SQUARE_MILLIMETER", "mm²", "0.000001"),
            ("SQUARE_CENTIMETER", "cm²", "0.0001"),
            ("SQUARE_DECIMETER", "dm²", "0.01"),
            ("SQUARE_METER", "m²", "1"),
        ],
    ),
}
VALIDATION_RULES = {"email": r"[^@\s]+@[^@\s]+\.[^@\s]+", "url": r"https?://\S+"}


class _Refused(Exception):
    def __init__(self, column: str, reason: str):
        super().__init__(column, reason)
        self.column, self.reason = column, reason


@dataclass
class SetReport(ImportReport):
    """A set of files: the totals, and each file's own report in the order the files were taken."""

    files: list[dict[str, Any]] = field(default_factory=list)
    files_not_read: list[str] = field(default_factory=list)  # Akeneo's users.csv, jobs.yml…
    prices_set: int = 0  # channel prices the products file's price attribute gave
    prices_not_set: list[str] = field(default_factory=list)
    channel_fallbacks: list[str] = field(default_factory=list)  # the chains the import gave Noel's channels

    def add(self, name: str, kind: str, part: ImportReport) -> None:
        for name_ in ("rows", "created", "updated", "unchanged", "pending", "rejected"):
            setattr(self, name_, getattr(self, name_) + getattr(part, name_))
        for error in part.errors:
            self.error(error)
        self.error_count += part.error_count - len(part.errors)
        for warning in part.warnings:
            self.warn(warning)
        self.columns_ignored += [f"{name}: {c}" for c in part.columns_ignored]
        self.files.append({"file": name, "kind": kind, **part.as_dict()})

    def as_dict(self) -> dict[str, Any]:
        return {
            **super().as_dict(),
            "files": self.files,
            "files_not_read": self.files_not_read,
            "prices": {"set": self.prices_set, "not_set": self.prices_not_set},
            "channel_fallbacks": self.channel_fallbacks,
        }


# -- reading a set of files ----------------------------------------------------------------------------


def _kind(header: list[str]) -> str | None:
    """Which Akeneo export a header belongs to (None: not one of them)."""
    columns = set(header)
    if {"type", "code", "group"} <= columns:
        return "attributes"
    if {"attribute", "code"} <= columns:
        return "attribute_options"
    if {"code", "family", "variant-axes_1"} <= columns:
        return "family_variants"
    if {"code", "family_variant"} <= columns:
        return "product_models"
    if "code" in columns and ("attributes" in columns and "attribute_as_label" in columns):
        return "families"
    if {"code", "locales", "currencies"} <= columns:
        return "channels"
    if "code" in columns and columns & {"is_quantified", "is_two_way"}:
        return "association_types"
    if {"code", "parent"} <= columns and "family" not in columns:
        return "categories"
    if "code" in columns and "sort_order" in columns and "type" not in columns:
        return "attribute_groups"
    if "code" in columns and columns & _ACTIVATED:  # the same header for both: their codes tell
        return "locales_or_currencies"
    if {"code", "type"} <= columns:
        return "groups"
    if {"code", "is_variant"} <= columns:
        return "group_types"
    if columns & {"family", "categories", "parent"} and "code" not in columns:  # users.csv has groups
        return "products"
    return None


_ACTIVATED = {"activated", "is_activated"}
ORDER = (
    "locales",
    "currencies",
    "channels",
    "attribute_groups",
    "attributes",
    "attribute_options",
    "categories",
    "association_types",
    "families",
    "family_variants",
    "group_types",
    "groups",
    "product_models",
    "products",
)
IGNORED_KINDS = {
    "groups": gettext_lazy("Akeneo's product groups, which Noel does not have"),
    "group_types": gettext_lazy("Akeneo's group types, which Noel does not have"),
}


def kind_of(path: Path) -> str | None:
    """The Akeneo kind of one file, from its header; a file that cannot be read is refused, named."""
    with named(path):
        with path.open("rb") as handle:
            header = Table(handle, path.name).header
        kind = _kind(header)
        if kind == "locales_or_currencies":
            kind = _locales_or_currencies(path, header)
        elif kind is None and "code" in header:  # a header of codes and labels only: the file's name tells
            kind = _named(path, ORDER)
    return kind


def _read_through(path: Path) -> None:
    """Read a whole file once before anything is written, so that every file refused whole (not UTF-8,
    cut short) is named in the same run."""
    with path.open("rb") as handle:
        for _row in Table(handle, path.name).rows():
            pass


@contextlib.contextmanager
def named(path: Path) -> Iterator[None]:
    """A file refused as a whole (unreadable, cut short) is refused with its name before each reason."""
    try:
        yield
    except ImportRejected as refused:
        prefix = f"{path.name}: "
        errors = [
            e if e.reason.startswith(prefix) else dataclasses.replace(e, reason=prefix + e.reason)
            for e in refused.errors
        ]
        raise ImportRejected(errors, refused.report) from refused


def _named(path: Path, kinds: Iterable[str]) -> str | None:
    stem = path.stem.lower().replace("ie", "y")
    return next((k for k in kinds if k.rstrip("s").replace("ie", "y") in stem), None)


def _locales_or_currencies(path: Path, header: list[str]) -> str | None:
    """Locale codes are language_REGION (fr_FR), currency codes three capitals (EUR); an empty file's
    name tells."""
    with path.open("rb") as handle:
        table = Table(handle, path.name)
        code_at = table.header.index("code")
        for _number, cells in table.rows():
            code = cells[code_at].strip() if code_at < len(cells) else ""
            if re.fullmatch(r"[A-Z]{3}", code):
                return "currencies"
            if "_" in code:
                return "locales"
    return _named(path, ("locales", "currencies"))


def detect(path: Path) -> bool:
    """One of Akeneo's set-up or product model files (a product file alone is Noel's flat format too)."""
    try:
        return kind_of(path) not in (None, "products")
    except ImportRejected:
        return False


def files_in(
    paths: Iterable[Path], scratch: Path, not_read: list[Path] | None = None
) -> list[tuple[Path, Path]]:
    """(file, root) for the CSV and XLSX files of files, folders and ZIP archives (extracted into
    `scratch`, refusing an entry that would land outside it); media paths are looked up from the root.
    The other files beside them (Akeneo's jobs.yml…) go to `not_read`; those of the folders that hold
    no CSV or XLSX file are media."""
    paths = list(paths)
    found: list[tuple[Path, Path]] = []
    others: list[Path] = []
    for path in paths:
        if path.is_dir():
            found += [(file, path) for file, _root in files_in(sorted(path.iterdir()), scratch, not_read)]
        elif path.suffix.lower() == ".zip":
            target = scratch / f"{len(list(scratch.iterdir()))}-{path.stem}"
            _extract(path, target)
            found += [(file, target) for file, _root in files_in([target], scratch, not_read)]
        elif path.name.startswith("."):
            continue
        elif path.suffix.lower() in TABULAR:
            found.append((path, path.parent))
        else:
            others.append(path)
    if not_read is not None and any(p.suffix.lower() in TABULAR for p in paths if p.is_file()):
        not_read += others
    return found


TABULAR = (".csv", ".xlsx")


def _extract(path: Path, target: Path) -> None:
    try:
        archive_check(path.name, str(path), path.stat().st_size)
    except ValidationError as exc:
        raise ImportRejected([RowError(1, "", " ".join(exc.messages))]) from exc
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile as exc:
        raise ImportRejected(
            [RowError(1, "", _("{name} is not a readable ZIP file ({exc})").format(name=path.name, exc=exc))]
        ) from exc
    with archive:
        for info in archive.infolist():
            parts = PurePosixPath(info.filename.replace("\\", "/")).parts
            if (
                info.filename.startswith(("/", "\\"))
                or ".." in parts
                or re.match(r"^[A-Za-z]:", info.filename)
            ):
                raise ImportRejected(
                    [
                        RowError(
                            1,
                            "",
                            _(
                                "{name}: the entry {entry!r} points outside the archive; nothing was imported"
                            ).format(name=path.name, entry=info.filename),
                        )
                    ]
                )
            if parts and parts[0] != "__MACOSX":
                archive.extract(info, target)


# -- one import of a set -------------------------------------------------------------------------------


class CatalogSet:
    """One run over a set of Akeneo files, in dependency order, inside the caller's transaction."""

    def __init__(self, *, actor: User | None, skip_invalid: bool, dry_run: bool, progress: Progress | None):
        self.actor = actor
        self.skip_invalid = skip_invalid
        self.dry_run = dry_run
        self.progress = progress
        self.identifiers = {"sku", "identifier"}
        self.unsupported: dict[str, str] = {}  # attribute code → Akeneo type Noel has no use for
        self.notes: list[str] = []  # what a file's rows held that Noel cannot use, reported with the file
        self.report = SetReport(dry_run=dry_run)
        self.done = 0
        self.product_skus: list[str] = []  # the products files' rows written: priced at the end
        self.channel_codes: list[str] = []  # the channels file's: where its values are scoped
        self.missing: dict[str, str] = {}  # a media path the set lacks → the SKU of the first row naming it

    # -- set-up files ----------------------------------------------------------------------------------
    def setup_file(self, path: Path, kind: str, root: Path) -> ImportReport:
        handler, used = _HANDLERS[kind]
        notes = self._learn_types(path) if kind == "attributes" else []
        with path.open("rb") as handle:
            table = Table(handle, path.name)
            part = ImportReport(columns_ignored=[c for c in table.header if not _used(c, used)] + notes)
            channels = set(Channel.objects.values_list("code", flat=True))
            for column in table.header:
                channel = column.removeprefix("requirements-")
                if column.startswith("requirements-") and channel not in channels:
                    reason = _("unknown channel {code}").format(code=channel)
                    self._refuse(part, RowError(1, column, reason), path.name)
            if part.error_count:
                return part
            deferred: list[tuple[int, dict[str, str]]] = []
            for number, cells in table.rows():
                part.rows += 1
                row = {c: (cells[i] if i < len(cells) else "").strip() for i, c in enumerate(table.header)}
                if not self._setup_row(part, handler, number, row, path.name, defer=kind == "categories"):
                    deferred.append((number, row))
                self._tick()
            while deferred:  # categories whose parent comes later in the file
                still = [
                    (number, row)
                    for number, row in deferred
                    if not self._setup_row(part, handler, number, row, path.name, defer=True)
                ]
                if len(still) == len(deferred):
                    for number, row in still:
                        self._setup_row(part, handler, number, row, path.name, defer=False)
                    break
                deferred = still
            if kind == "channels":
                self.report.channel_fallbacks += setup.channel_fallbacks_propose(
                    actor=self.actor, sources=self.channel_codes
                )
        part.columns_ignored += self.notes
        self.notes = []
        return part

    def _learn_types(self, path: Path) -> list[str]:
        """The identifier attribute (Akeneo's SKU) is Noel's SKU, not an attribute: learn its code; and
        note the attributes of types Noel lacks, so their columns are reported rather than refused."""
        notes = []
        with path.open("rb") as handle:
            table = Table(handle, path.name)
            type_at, code_at = table.header.index("type"), table.header.index("code")
            for _number, cells in table.rows():
                kind, code = cells[type_at].strip(), cells[code_at].strip()
                if kind == IDENTIFIER:
                    self.identifiers.add(code)
                elif kind and kind not in TYPES:
                    self.unsupported[code] = kind
                    notes.append(
                        _("attribute {code} (type {kind}, which Noel does not have)").format(
                            code=code, kind=kind
                        )
                    )
        return notes

    def _setup_row(
        self, part: ImportReport, handler: Callable, number: int, row: dict[str, str], file: str, defer: bool
    ) -> bool:
        """Write one set-up row in a savepoint (a refused row leaves nothing); False when deferred."""
        try:
            for column, cell in row.items():
                if is_formula(cell):
                    raise _Refused(column, _("a formula is not data: type the value itself"))
            with transaction.atomic():
                outcome = handler(self, row)
        except _Deferred:
            if defer:
                return False
            outcome = None
            self._refuse(
                part,
                RowError(
                    number,
                    "parent",
                    _("parent {code} does not exist").format(code=row.get("parent", "")),
                    row.get("code", ""),
                    row.get("parent", ""),
                ),
                file,
            )
        except _Refused as refused:
            outcome = None
            self._refuse(
                part,
                RowError(number, refused.column, refused.reason, _code(row), row.get(refused.column, "")),
                file,
            )
        except ValidationError as exc:
            outcome = None
            for key, messages in _messages(exc).items():
                column = _COLUMN.get(key, key)
                for message in messages:
                    self._refuse(
                        part, RowError(number, column, message, _code(row), row.get(column, "")), file
                    )
        if outcome in ("created", "updated", "unchanged"):
            setattr(part, outcome, getattr(part, outcome) + 1)
        return True

    def _refuse(self, part: ImportReport, error: RowError, file: str) -> None:
        part.rejected += 1
        part.error(dataclasses.replace(error, reason=f"{file}: {error.reason}"))

    def _tick(self) -> None:
        self.done += 1
        if self.progress is not None and self.done % 500 == 0:
            self.progress(self.done)

    def ignored_file(self, path: Path, kind: str, root: Path) -> ImportReport:
        """A file of what Noel does not have: read (so a malformed one is still refused), named once."""
        with path.open("rb") as handle:
            what = _("the whole file: {what}").format(what=IGNORED_KINDS[kind])
            part = ImportReport(columns_ignored=[what])
            for _row in Table(handle, path.name).rows():
                part.rows += 1
                self._tick()
        return part

    # -- product models and products ---------------------------------------------------------------------
    def products_file(self, path: Path, kind: str, root: Path) -> ImportReport:
        """Translated into Noel's flat format and written by the flat import (errors keep the file's row
        numbers and column names). Root models go before sub-models, which need their parents' values."""
        part = ImportReport()
        passes = (lambda row: not row.get("parent"), lambda row: bool(row.get("parent")))
        for keep in passes if kind == "product_models" else (None,):
            translator = _Translator(self, path, kind, root, keep)
            self._flat(translator, part)
            if part.error_count and not self.skip_invalid:
                break
        return part

    def _flat(self, translator: _Translator, part: ImportReport) -> None:
        done = self.done
        flat = flat_import(
            actor=self.actor,
            write=translator.write,
            name=translator.path.name,
            skip_invalid=self.skip_invalid,
            progress=(lambda rows: self.progress(done + rows)) if self.progress else None,
            numbers=translator.numbers,
        )
        self.done += translator.rows
        for name in ("created", "updated", "unchanged", "pending", "rejected"):
            setattr(part, name, getattr(part, name) + getattr(flat, name))
        part.rows += translator.rows
        for error in flat.errors:
            part.error(translator.original(error))
        for error in translator.errors:
            part.rejected += 1
            part.error(error)
        for warning in translator.warnings:
            part.warn(warning)
        for column in translator.ignored + flat.columns_ignored:
            if column not in part.columns_ignored:
                part.columns_ignored.append(column)
        if not part.error_count or self.skip_invalid:
            translator.link_media()
            translator.flag_missing()

    # -- prices ----------------------------------------------------------------------------------------
    def seed_prices(self) -> None:
        """Akeneo's price attribute (NOEL_AKENEO_PRICE_ATTRIBUTE, `price` by default: one amount per
        currency, `price-EUR`, `price-USD`) becomes the prices of the channels selling in each currency
        that have none for the product yet, through the price services (guard rails, history, audit)."""
        code = settings.NOEL_AKENEO_PRICE_ATTRIBUTE
        if not (self.product_skus and code):
            return
        if not Attribute.objects.filter(code=code, type=Attribute.Type.PRICE).exists():
            return
        prices: list[tuple[str, str, str]] = []
        products = Product.objects.filter(sku__in=set(self.product_skus), is_model=False)
        for product in products.select_related("parent__parent").order_by("sku"):
            amounts = vals.value_of(services.effective_values(product), code)
            if isinstance(amounts, dict):
                prices += [
                    (product.sku, cur, str(amount)) for cur, amount in sorted(amounts.items()) if amount
                ]
        if prices:
            self.report.prices_set, self.report.prices_not_set = prices_seed(actor=self.actor, prices=prices)


class _Missing(_Refused):
    """A media file a row names that the set does not hold: the cell is warned about, the row imported."""


class _Deferred(Exception):
    """A category whose parent is not there yet: tried again after the rest of the file."""


def _code(row: dict[str, str]) -> str:
    return row.get("code", "")


def _messages(exc: ValidationError) -> dict[str, list[str]]:
    return exc.message_dict if hasattr(exc, "error_dict") else {"": exc.messages}


_COLUMN = {
    "max_length": "max_characters",
    "regex": "validation_regexp",
    "min_value": "number_min",
    "max_value": "number_max",
    "measurement_family": "metric_family",
    "default_unit": "default_metric_unit",
    "label_attribute": "attribute_as_label",
    "image_attribute": "attribute_as_image",
    "axes": "variant-axes_1",
    "attributes": "attributes",
    "__all__": "code",
    "": "code",
}


def _used(column: str, used: tuple[str, ...]) -> bool:
    return column in used or any(column.startswith(prefix) for prefix in used if prefix.endswith("-"))


def _labels(row: dict[str, str], prefix: str = "label-") -> dict[str, str]:
    return {c.removeprefix(prefix): v for c, v in row.items() if c.startswith(prefix) and v}


def _flag(row: dict[str, str], column: str, default: bool) -> bool:
    text = row.get(column, "").strip().lower()
    if not text:
        return default
    if text in ("1", "true", "yes"):
        return True
    if text in ("0", "false", "no"):
        return False
    raise _Refused(column, _("{value!r} is not yes/no (use 1 or 0)").format(value=row[column]))


def _whole(row: dict[str, str], column: str) -> int | None:
    text = row.get(column, "").strip()
    if not text:
        return None
    try:
        return int(Decimal(text))
    except InvalidOperation:
        raise _Refused(column, _("{value!r} is not a whole number").format(value=text)) from None


def _number(row: dict[str, str], column: str) -> Decimal | None:
    text = row.get(column, "").strip()
    if not text:
        return None
    try:
        return Decimal(text.replace(",", "."))
    except InvalidOperation:
        raise _Refused(column, _("{value!r} is not a number").format(value=text)) from None


def _codes(row: dict[str, str], column: str) -> list[str]:
    return [c.strip() for c in row.get(column, "").split(",") if c.strip()]


def _required(row: dict[str, str], column: str) -> str:
    if not row.get(column):
        raise _Refused(column, _("{column} is required").format(column=column))
    return row[column]


# -- set-up rows ---------------------------------------------------------------------------------------


def _channel(run: CatalogSet, row: dict[str, str]) -> str:
    currencies = _codes(row, "currencies")
    if not currencies:
        raise _Refused("currencies", _("a channel needs a currency"))
    labels = _labels(row)
    name = next(iter(labels.values()), "") or row["code"]
    if currencies[1:]:
        note = _("currencies {codes} of channel {channel} (a Noel channel sells in one currency: {first})")
        others = ", ".join(currencies[1:])
        run.notes.append(note.format(codes=others, channel=row["code"], first=currencies[0]))
    run.channel_codes.append(_required(row, "code"))
    return setup.channel_save(
        actor=run.actor,
        code=_required(row, "code"),
        name=name,
        locales=_codes(row, "locales"),
        currency=currencies[0],
    )[1]


def _locale(run: CatalogSet, row: dict[str, str]) -> str:
    return setup.locale_save(actor=run.actor, code=_required(row, "code"), active=_active(row))[1]


def _currency(run: CatalogSet, row: dict[str, str]) -> str:
    return setup.currency_save(actor=run.actor, code=_required(row, "code"), active=_active(row))[1]


def _active(row: dict[str, str]) -> bool:
    return _flag(row, next((c for c in row if c in _ACTIVATED), "activated"), False)


def _attribute_group(run: CatalogSet, row: dict[str, str]) -> str:
    return setup.attribute_group_save(
        actor=run.actor,
        code=_required(row, "code"),
        labels=_labels(row),
        sort_order=_whole(row, "sort_order"),
    )[1]


def _regex(row: dict[str, str]) -> str:
    """Akeneo's PCRE pattern (`/^[A-Z]+$/i`) as the pattern a whole value must match in Noel."""
    rule = row.get("validation_rule", "").strip()
    if rule in VALIDATION_RULES:
        return VALIDATION_RULES[rule]
    pattern = row.get("validation_regexp", "").strip()
    if not pattern:
        return ""
    if match := re.fullmatch(r"/(.*)/([a-z]*)", pattern, re.S):
        body, flags = match.groups()
        pattern = (f"(?{flags.replace('u', '').replace('D', '')})" if flags.strip("uD") else "") + body
    try:
        re.compile(pattern)
    except re.error as exc:
        raise _Refused(
            "validation_regexp",
            _("{pattern!r} is not a valid pattern ({exc})").format(pattern=row["validation_regexp"], exc=exc),
        ) from None
    return pattern


def _measurement_family(run: CatalogSet, row: dict[str, str]) -> MeasurementFamily:
    code = _required(row, "metric_family")
    family = MeasurementFamily.objects.filter(code__iexact=code).first()
    if family is None:
        if code.lower() not in UNITS:
            raise _Refused(
                "metric_family",
                _(
                    "measurement family {code} does not exist in Noel: create it (with its units) first"
                ).format(code=code),
            )
        standard, units = UNITS[code.lower()]
        family = setup.measurement_family_save(
            actor=run.actor, code=code, standard_unit=standard, units=units
        )[0]
    unit = row.get("default_metric_unit", "")
    if unit and not family.units.filter(code=unit).exists():
        raise _Refused(
            "default_metric_unit", _("{unit} is not a unit of {family}").format(unit=unit, family=code)
        )
    return family


def _attribute(run: CatalogSet, row: dict[str, str]) -> str:
    code, akeneo_type = _required(row, "code"), _required(row, "type")
    if akeneo_type == IDENTIFIER or akeneo_type not in TYPES:
        return "skipped"  # the SKU, or a type reported once among the columns ignored
    kind = TYPES[akeneo_type]
    group_code = _required(row, "group")
    group = (
        AttributeGroup.objects.filter(code=group_code).first()
        or setup.attribute_group_save(actor=run.actor, code=group_code, labels={})[0]
    )
    fields: dict[str, Any] = {
        "labels": _labels(row),
        "group": group,
        "localizable": _flag(row, "localizable", False),
        "scopable": _flag(row, "scopable", False),
        "unique": _flag(row, "unique", False),
        "max_length": _whole(row, "max_characters"),
        "regex": _regex(row),
        "min_value": _number(row, "number_min"),
        "max_value": _number(row, "number_max"),
        "decimals_allowed": _flag(row, "decimals_allowed", True),
        "negative_allowed": _flag(row, "negative_allowed", False),
        "allowed_extensions": _codes(row, "allowed_extensions"),  # media_refusal ignores case and dots
        "max_file_size": _number(row, "max_file_size"),
    }
    if (sort_order := _whole(row, "sort_order")) is not None:
        fields["sort_order"] = sort_order
    if kind == T.MEASUREMENT:
        fields["measurement_family"] = _measurement_family(run, row)
        fields["default_unit"] = row.get("default_metric_unit", "")
    return setup.attribute_save(actor=run.actor, code=code, type=kind, fields=fields)[1]


def _attribute_of(code: str, column: str) -> Attribute:
    attribute = Attribute.objects.filter(code=code).first()
    if attribute is None:
        raise _Refused(column, _("unknown attribute {code}").format(code=code))
    return attribute


def _option(run: CatalogSet, row: dict[str, str]) -> str:
    code = _required(row, "attribute")
    if code in run.unsupported:
        return "skipped"
    return setup.attribute_option_save(
        actor=run.actor,
        attribute=_attribute_of(code, "attribute"),
        code=_required(row, "code"),
        labels=_labels(row),
        sort_order=_whole(row, "sort_order"),
    )[1]


def _category(run: CatalogSet, row: dict[str, str]) -> str:
    parent_code = row.get("parent", "")
    parent = Category.objects.filter(code=parent_code).first() if parent_code else None
    if parent_code and parent is None:
        raise _Deferred
    return setup.category_save(
        actor=run.actor, code=_required(row, "code"), parent=parent, labels=_labels(row)
    )[1]


def _association_type(run: CatalogSet, row: dict[str, str]) -> str:
    return setup.association_type_save(actor=run.actor, code=_required(row, "code"), labels=_labels(row))[1]


def _attributes(run: CatalogSet, row: dict[str, str], column: str) -> list[Attribute]:
    """The attributes a list names, the SKU and the attributes of types Noel lacks left out."""
    codes = [c for c in _codes(row, column) if c not in run.identifiers and c not in run.unsupported]
    found = {a.code: a for a in Attribute.objects.filter(code__in=codes)}
    unknown = [c for c in codes if c not in found]
    if unknown:
        raise _Refused(column, _("unknown attribute(s): {codes}").format(codes=", ".join(unknown)))
    return [found[c] for c in dict.fromkeys(codes)]


def _one(run: CatalogSet, row: dict[str, str], column: str) -> Attribute | None:
    found = _attributes(run, row, column)
    return found[0] if found else None


def _family(run: CatalogSet, row: dict[str, str]) -> str:
    requirements = {}
    for column in row:
        if column.startswith("requirements-"):
            code = column.removeprefix("requirements-")
            channel = Channel.objects.filter(code=code).first()
            if channel is None:
                raise _Refused(column, _("unknown channel {code}").format(code=code))
            requirements[channel] = _attributes(run, row, column)
    return setup.family_save(
        actor=run.actor,
        code=_required(row, "code"),
        labels=_labels(row),
        attributes=_attributes(run, row, "attributes"),
        label_attribute=_one(run, row, "attribute_as_label"),
        image_attribute=_one(run, row, "attribute_as_image"),
        requirements=requirements,
    )[1]


def _family_variant(run: CatalogSet, row: dict[str, str]) -> str:
    family = Family.objects.filter(code=_required(row, "family")).first()
    if family is None:
        raise _Refused("family", _("unknown family {code}").format(code=row["family"]))
    axes = _attributes(run, row, "variant-axes_1")
    sub_axes = _attributes(run, row, "variant-axes_2")
    # Akeneo lists the axes among each level's attributes; Noel keeps them apart
    first = [a for a in _attributes(run, row, "variant-attributes_1") if a not in axes]
    second = [a for a in _attributes(run, row, "variant-attributes_2") if a not in sub_axes]
    if second and not sub_axes:
        raise _Refused("variant-attributes_2", _("attributes of a second level need variant-axes_2"))
    return setup.family_variant_save(
        actor=run.actor,
        code=_required(row, "code"),
        family=family,
        labels=_labels(row),
        axes=axes,
        variant_attributes=first,
        sub_axes=sub_axes,
        sub_attributes=second,
    )[1]


_HANDLERS: dict[str, tuple[Callable[[CatalogSet, dict[str, str]], str], tuple[str, ...]]] = {
    "locales": (_locale, ("code", *_ACTIVATED)),
    "currencies": (_currency, ("code", *_ACTIVATED)),
    "channels": (_channel, ("code", "label-", "locales", "currencies")),
    "attribute_groups": (_attribute_group, ("code", "label-", "sort_order", "attributes")),
    "attributes": (
        _attribute,
        (
            "code",
            "type",
            "label-",
            "group",
            "sort_order",
            "localizable",
            "scopable",
            "unique",
            "max_characters",
            "validation_rule",
            "validation_regexp",
            "number_min",
            "number_max",
            "decimals_allowed",
            "negative_allowed",
            "metric_family",
            "default_metric_unit",
            "allowed_extensions",
            "max_file_size",
        ),
    ),
    "attribute_options": (_option, ("attribute", "code", "label-", "sort_order")),
    "categories": (_category, ("code", "parent", "label-")),
    "association_types": (_association_type, ("code", "label-")),
    "families": (
        _family,
        ("code", "label-", "attributes", "attribute_as_label", "attribute_as_image", "requirements-"),
    ),
    "family_variants": (
        _family_variant,
        (
            "code",
            "family",
            "label-",
            "variant-axes_1",
            "variant-axes_2",
            "variant-attributes_1",
            "variant-attributes_2",
        ),
    ),
}


# -- product models and products → Noel's flat format --------------------------------------------------


_FLAT_BASE = ("categories", "enabled", "family", "parent", "groups")
WITHOUT_FAMILY = "without_family"  # where the products Akeneo holds without a family go


class _Translator:
    """Rewrites an Akeneo product (model) file as a flat file; remembers how to map errors back."""

    def __init__(
        self,
        run: CatalogSet,
        path: Path,
        kind: str,
        root: Path,
        keep: Callable[[dict[str, str]], bool] | None,
    ):
        self.run, self.path, self.kind, self.root, self.keep = run, path, kind, root, keep
        self.rows = 0
        self.numbers: list[int] = [1]  # flat row number − 1 → original row number
        self.errors: list[RowError] = []
        self.ignored: list[str] = []
        self.renamed: dict[str, str] = {}
        self.links: list[tuple[str, str, bool]] = []
        self.warnings: list[RowError] = []
        self.missing: list[tuple[str, str, str]] = []  # (SKU, attribute, file name): flagged once written
        self.attributes = {a.code: a for a in Attribute.objects.all()}
        self.images = set(
            Family.objects.exclude(image_attribute=None).values_list("image_attribute__code", flat=True)
        )
        self.variants = {
            v.code: v
            for v in FamilyVariant.objects.select_related("family").prefetch_related(
                "axes", "variant_attributes", "sub_axes", "sub_attributes"
            )
        }
        self.models: dict[str, tuple[str | None, str | None]] = {
            sku: (parent, variant)
            for sku, parent, variant in Product.objects.filter(is_model=True).values_list(
                "sku", "parent__sku", "family_variant__code"
            )
        }
        self.inherited: dict[str, dict[str, str]] = {}
        # Akeneo's codes ignore case: a row's parent is the model whatever the case it is written in
        self.model_codes = {sku.lower(): sku for sku in self.models}
        self.model_families = dict(Product.objects.filter(is_model=True).values_list("sku", "family__code"))
        self.familyless: set[str] = set()  # attribute codes of the products without a family
        self.held_gtins: dict[str, str] | None = None  # SKU → GTIN, read when a barcode is not one

    def _plan(self, header: list[str]) -> list[tuple[int, str, str]]:
        """(index, flat column, attribute code or "") for each column kept; the others are reported."""
        identity = "code" if self.kind == "product_models" else None
        plan: list[tuple[int, str, str]] = []
        for index, column in enumerate(header):
            code = column.split("-", 1)[0]
            if "sku" not in self.renamed and (
                column == identity or (identity is None and column in self.run.identifiers)
            ):
                plan.append((index, "sku", ""))
                self.renamed["sku"] = column
            elif column == "family_variant" and self.kind == "product_models":
                plan.append((index, "family_variant", ""))
            elif column.endswith("-product_models"):  # one list per type in Noel: models and products
                plan.append((index, column.removesuffix("-product_models") + "-products", ""))
            elif column in _FLAT_BASE or column.endswith(("-products", "-groups")):
                plan.append((index, column, ""))
            elif column.endswith("-quantity") or column == "uuid" or code in self.run.unsupported:
                self.ignored.append(column)
            else:
                plan.append((index, column, code))
        if not any(flat == "sku" for _i, flat, _c in plan):
            raise ImportRejected(
                [
                    RowError(
                        1,
                        "sku",
                        _("{file}: the header has no identifier column ({codes})").format(
                            file=self.path.name, codes=", ".join(sorted(self.run.identifiers))
                        ),
                    )
                ]
            )
        return plan

    def write(self, writer: Any) -> None:
        with self.path.open("rb") as handle:
            table = Table(handle, self.path.name)
            plan = self._plan(table.header)
            columns = list(dict.fromkeys(flat_column for _i, flat_column, _c in plan))
            if "family" not in columns:
                columns.append("family")
            barcodes = self._barcode_columns(plan)
            if barcodes and "gtin" not in columns:
                columns.append("gtin")
            writer.writerow(columns)
            for number, cells in table.rows():
                cells = cells + [""] * (len(table.header) - len(cells))
                row: dict[str, str] = {}
                for index, flat_column, _code in plan:
                    row[flat_column] = ",".join(
                        c for c in (row.get(flat_column, ""), cells[index]) if c.strip()
                    )
                if self.keep is not None and not self.keep(row):
                    continue
                self.rows += 1
                codes = {flat: code for _index, flat, code in plan if code}
                try:
                    self._row(row, codes, number)
                except _Refused as refused:
                    self.errors.append(
                        RowError(
                            number,
                            self.renamed.get(refused.column, refused.column),
                            f"{self.path.name}: {refused.reason}",
                            row.get("sku", ""),
                            row.get(refused.column, ""),
                        )
                    )
                    continue
                if barcodes:
                    row["gtin"] = self._gtin(row, barcodes)
                writer.writerow([row.get(c, "") for c in columns])
                self.numbers.append(number)
                if self.kind == "products":
                    self.run.product_skus.append(row.get("sku", "").strip())
        self._without_family()

    def _row(self, row: dict[str, str], codes: dict[str, str], number: int) -> None:
        parent = row.get("parent", "").strip()
        if parent:
            row["parent"] = parent = self.model_codes.get(parent.lower(), parent)
        if self.kind == "products" and not row.get("family", "").strip():
            if parent:  # a variant is of its model's family
                row["family"] = self.model_families.get(parent) or ""
            else:  # Akeneo holds products without a family: any attribute, nothing required
                row["family"] = WITHOUT_FAMILY
                self.familyless.update(
                    code for column, code in codes.items() if code in self.attributes and row[column].strip()
                )
        if self.kind == "product_models":
            variant = self.variants.get(row.get("family_variant", ""))
            if variant is not None:
                row["family"] = variant.family.code
            if row.get("parent"):
                row["family_variant"] = ""  # a sub-model takes its root model's family variant
        allowed = self._allowed(row)
        for column, code in codes.items():
            attribute = self.attributes.get(code)
            if attribute is None:
                continue  # the flat import names the unknown column
            if attribute.type == T.TEXTAREA:  # literal \n escapes, as some exports write line breaks
                row[column] = row[column].replace("\\n", "\n")
            cell = row[column]
            if (
                allowed is not None
                and code not in allowed
                and (not cell.strip() or self._inherited(row["parent"], column, cell, attribute))
            ):
                row[column] = ""
            elif attribute.type == T.MEDIA and cell.strip():
                try:
                    row[column] = self._media(row["sku"], column, cell.strip(), attribute)
                except _Missing as missing:
                    row[column] = self._without(row, column, cell.strip(), attribute, number, missing)

    def _barcode_columns(self, plan: list[tuple[int, str, str]]) -> list[str]:
        """The columns of a products file holding a barcode (NOEL_GTIN_ATTRIBUTES, text attributes with one
        value per product), in the setting's order."""
        if self.kind != "products":
            return []
        found = {
            code: column
            for _i, column, code in plan
            if column == code
            and code in self.attributes
            and self.attributes[code].type == T.TEXT
            and not (self.attributes[code].localizable or self.attributes[code].scopable)
        }
        return [found[code] for code in settings.NOEL_GTIN_ATTRIBUTES if code in found]

    def _gtin(self, row: dict[str, str], barcodes: list[str]) -> str:
        """The product's GTIN from its first barcode when that is a valid GTIN; otherwise (none, or one
        that is not a GTIN: the attribute keeps it, the quality check flags it) the GTIN Noel holds stays."""
        for column in barcodes:
            if barcode := row.get(column, "").strip():
                try:
                    return services.gtin_check(barcode)
                except ValidationError:
                    break
        if self.held_gtins is None:
            self.held_gtins = dict(Product.objects.filter(gtin__isnull=False).values_list("sku", "gtin"))
        return self.held_gtins.get(row.get("sku", "").strip(), "")

    def _without_family(self) -> None:
        """The family of the products Akeneo holds without one: the attributes they have values for
        (those it had kept), no attribute required; created or grown before the rows are imported."""
        if not self.familyless:
            return
        family = Family.objects.filter(code=WITHOUT_FAMILY).first()
        have = list(family.attributes.all()) if family else []
        added = [
            self.attributes[code] for code in sorted(self.familyless) if self.attributes[code] not in have
        ]
        if family is not None and not added:
            return
        locales = Locale.objects.filter(is_active=True).values_list("code", flat=True)
        labels = (
            family.labels
            if family
            else {code: "Sans famille" if code.startswith("fr") else "Without family" for code in locales}
        )
        setup.family_save(
            actor=self.run.actor,
            code=WITHOUT_FAMILY,
            labels=labels,
            attributes=have + added,
            label_attribute=family.label_attribute if family else None,
            image_attribute=family.image_attribute if family else None,
        )

    def _allowed(self, row: dict[str, str]) -> set[str] | None:
        """Attribute codes a child row sets itself (the rest it inherits); None for a root row."""
        parent = row.get("parent", "").strip()
        if not parent or parent not in self.models:
            return None
        grand, variant_code = self.models[parent]
        if grand is not None:
            variant_code = self.models.get(grand, (None, None))[1]
        variant = self.variants.get(variant_code or "")
        if variant is None:
            return None
        if grand is None and list(variant.sub_axes.all()) and self.kind == "products":
            return None  # a product straight under a two-level model: the flat import says what is wrong
        level = (
            (variant.sub_axes.all(), variant.sub_attributes.all())
            if grand
            else (variant.axes.all(), variant.variant_attributes.all())
        )
        return {a.code for group in level for a in group}

    def _inherited(self, parent: str, column: str, cell: str, attribute: Attribute) -> bool:
        """Akeneo exports a child with its parents' values: such a cell is the parent's, not the child's
        (a media cell names the parent's file by another path: the parent having one is enough)."""
        if parent not in self.inherited:
            product = Product.objects.select_related("parent").get(sku=parent)
            types = {code: a.type for code, a in self.attributes.items()}
            self.inherited[parent] = flat.value_cells(services.effective_values(product), types)
        held = self.inherited[parent].get(column, "")
        return bool(held) if attribute.type == T.MEDIA else _same(held, cell)

    def _media(self, sku: str, column: str, relative: str, attribute: Attribute) -> str:
        """The stored path of a media cell's file, checked against the attribute's rules before the DAM
        keeps it (storage is not rolled back with a refused import)."""
        if relative.startswith(("http://", "https://")):
            return relative
        base = self.path.parent.resolve()
        target = (base / relative).resolve()
        if not target.is_file():
            target = (self.root / relative).resolve()
        if not (target.is_relative_to(self.root.resolve()) or target.is_relative_to(base)):
            # a path leading out of the archive is never looked at: refused, not taken for a lost picture
            reason = _("the file {path} is not in the archive (paths are relative to {file})")
            raise _Refused(column, reason.format(path=relative, file=self.path.name))
        if not target.is_file():
            reason = _(
                "the file {path} is not in the archive (paths are relative to {file}): imported without "
                "this picture"
            )
            raise _Missing(column, reason.format(path=relative, file=self.path.name))
        if refusal := vals.media_refusal(attribute, target.name, target.stat().st_size):
            raise _Refused(column, refusal)
        try:
            stored = media_store(
                actor=self.run.actor, name=target.name, data=target.read_bytes(), dry_run=self.run.dry_run
            )
        except ValidationError as exc:
            raise _Refused(column, " ".join(exc.messages)) from None
        self.links.append((sku, stored, attribute.code in self.images))
        return stored

    def _without(
        self,
        row: dict[str, str],
        column: str,
        relative: str,
        attribute: Attribute,
        number: int,
        missing: _Refused,
    ) -> str:
        """A media cell whose file the set lacks: a warning, not a refusal. The product keeps the file Noel
        holds for it, if any (a missing file empties nothing), else goes without and is flagged; a child
        naming its parent's missing file says nothing more."""
        sku = row.get("sku", "").strip()
        allowed = self._allowed(row)
        first = self.run.missing.setdefault(relative, sku)
        if allowed is not None and attribute.code not in allowed and first != sku:
            return ""
        self.warnings.append(
            RowError(
                number, self.renamed.get(column, column), f"{self.path.name}: {missing.reason}", sku, relative
            )
        )
        product = Product.objects.filter(sku=sku).only("values").first()
        held = (
            flat.value_cells(product.values, {attribute.code: attribute.type}).get(column, "")
            if product
            else ""
        )
        if not held:
            self.missing.append((sku, attribute.code, PurePosixPath(relative).name))
        return held

    def flag_missing(self) -> None:
        """Flag the products written without a picture their row named (not in a dry run)."""
        if not self.missing or self.run.dry_run:
            return
        known = set(
            Product.objects.filter(sku__in=[s for s, _a, _n in self.missing]).values_list("sku", flat=True)
        )
        pictures = [picture for picture in self.missing if picture[0] in known]
        if pictures:
            import_pictures_missing_record(actor=self.run.actor, pictures=pictures)

    def link_media(self) -> None:
        if self.links and not self.run.dry_run:
            known = set(
                Product.objects.filter(sku__in=[s for s, _p, _m in self.links]).values_list("sku", flat=True)
            )
            media_link(actor=self.run.actor, links=[link for link in self.links if link[0] in known])

    def original(self, error: RowError) -> RowError:
        """An error of the flat file, with the row number and column name of the Akeneo file."""
        row = self.numbers[error.row - 1] if 0 < error.row <= len(self.numbers) else error.row
        column = self.renamed.get(error.column, error.column)
        return dataclasses.replace(error, row=row, column=column, reason=f"{self.path.name}: {error.reason}")


def flat_import(
    *,
    actor: User | None,
    write: Callable[[Any], None],
    name: str,
    skip_invalid: bool,
    progress: Progress | None,
    numbers: list[int] | None = None,
) -> ImportReport:
    """Rows another format was translated into, written (`write(csv_writer)`) as a flat file and
    imported by the flat import; a refusal comes back as the report's errors (row numbers of the flat
    file), for the caller to put back in its own file's terms. `numbers` (flat row − 1 → the row of the
    caller's file, filled by `write`) puts the rows an error's reason names in the caller's terms."""
    with tempfile.TemporaryFile("w+b") as flat_file:
        text = io.TextIOWrapper(flat_file, encoding="utf-8", newline="")
        # read only by the flat import, which refuses formulas itself: written as they came
        write(CsvWriter(text, delimiter=";", escape=False))
        text.flush()
        text.detach()
        flat_file.seek(0)
        try:
            return products_import(
                actor=actor,
                handle=flat_file,
                name=name,
                skip_invalid=skip_invalid,
                progress=progress,
                row_of=_row_of(numbers) if numbers is not None else None,
            )
        except ImportRejected as rejected:
            report = ImportReport(rejected=len(rejected.errors), errors=list(rejected.errors))
            report.error_count = len(rejected.errors)
            report.columns_ignored = rejected.report.get("columns_ignored", [])
            return report


def _row_of(numbers: list[int]) -> Callable[[int], int]:
    return lambda row: numbers[row - 1] if 0 < row <= len(numbers) else row


def _same(a: str, b: str) -> bool:
    a, b = a.strip(), b.strip()
    if a == b:
        return True
    try:
        return Decimal(a) == Decimal(b)
    except InvalidOperation:
        return sorted(x.strip() for x in a.split(",")) == sorted(x.strip() for x in b.split(","))


# -- the entry point -------------------------------------------------------------------------------------


def catalog_import(
    *,
    actor: User | None,
    handle: IO[bytes] | None = None,
    name: str = "",
    paths: list[Path] | None = None,
    skip_invalid: bool = False,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> SetReport:
    """Import a set of Akeneo files (given as paths, or one uploaded file or ZIP) in dependency order,
    all or nothing unless `skip_invalid`; a dry run tries everything and writes nothing."""
    if actor is not None and not all(
        actor.has_perm(p)
        for p in ("products.add_product", "products.change_product", "products.add_attribute")
    ):
        raise PermissionDenied(_("{user} may not set up the catalog").format(user=actor.get_username()))
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as scratch_dir:
        scratch = Path(scratch_dir)
        (scratch / "files").mkdir()
        if paths is None:
            if handle is None:
                raise ValueError("catalog_import needs paths or a handle")
            upload = scratch / (Path(name).name or "catalog.zip")
            with upload.open("wb") as target:
                while block := handle.read(1 << 20):
                    target.write(block)
            paths = [upload]
        kinds = []
        not_read: list[Path] = []
        refusals: list[RowError] = []  # of the files refused whole: every one is named in one run
        for path, root in files_in(paths, scratch / "files", not_read):
            try:
                kind = kind_of(path)
                if kind is not None:
                    with named(path):
                        _read_through(path)
            except ImportRejected as refused:
                refusals += refused.errors
                continue
            if kind is None:
                not_read.append(path)
            else:
                kinds.append((ORDER.index(kind), str(path), path, root, kind))
        if refusals:
            raise ImportRejected(refusals, in_order=True)
        if not kinds and not_read:
            reason = _(
                "{file}: not an Akeneo export file Noel knows (locales, currencies, channels, attribute "
                "groups, attributes, attribute options, categories, association types, families, family "
                "variants, groups, group types, product models, products)"
            )
            names = ", ".join(sorted(path.name for path in not_read))
            raise ImportRejected([RowError(1, "", reason.format(file=names))])
        kinds.sort()
        run = CatalogSet(actor=actor, skip_invalid=skip_invalid, dry_run=dry_run, progress=progress)
        run.report.files_not_read = sorted({path.name for path in not_read})
        try:
            with context.bound(origin=AuditLog.Source.IMPORT), transaction.atomic():
                for _order, _name, path, root, kind in kinds:
                    if kind in ("product_models", "products"):
                        step = run.products_file
                    else:
                        step = run.ignored_file if kind in IGNORED_KINDS else run.setup_file
                    began = time.perf_counter()
                    with named(path):  # a file cut short refuses the set, whatever is skipped
                        part = step(path, kind, root)
                    part.seconds = time.perf_counter() - began
                    run.report.add(path.name, kind, part)
                    if part.error_count and not skip_invalid:
                        break  # later files would fail for want of this one: its errors come first
                if not run.report.error_count or skip_invalid:
                    run.seed_prices()
                run.report.seconds = time.perf_counter() - started
                if run.report.error_count and not skip_invalid:
                    raise ImportRejected(run.report.errors, run.report.as_dict())
                if dry_run:
                    raise DryRun
        except DryRun:
            pass
    if progress is not None:
        progress(run.done)
    return run.report
