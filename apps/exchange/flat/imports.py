"""Import of products from flat files in Akeneo's convention (Noel's own export reads back unchanged).

Why not django-import-export's per-row save: at ~1,000 rows/s it is 100× slower than PostgreSQL allows.
Here the file is streamed in chunks; a row whose cells already say what Noel holds is counted unchanged
without validation (a re-import); the others are validated in Python by the very rules of the admin
(`services._validate`, with attribute and family data loaded once), then only the new and changed rows
are written: the new ones COPYed straight into the product table (their ids drawn beforehand, so that
their completeness and audit rows are worked out in the same pass), the changed ones COPYed into a
temporary table and applied with one `UPDATE … FROM`; the statement-level triggers write their pghistory
versions in one INSERT … SELECT. Audit rows and completeness are COPYed per chunk, and one event
announces the whole import. A chunk is written, and the reads of the one after made, by a second thread
while the next one is validated (see `_Writer`). What must be compared with the whole file (repeated
SKUs, unique values) lives in temporary tables, so memory stays flat however long the file.

Unique values are checked by the database first: a file is imported trusting that none of its unique values
is held by another product (the statement-level trigger writes them into UniqueValue, whose unique index is
the check). Should the index refuse one, the attempt is rolled back and the file imported again, this time
asking Noel about every unique value before each chunk is written, which names every refused row. A file
that holds none (nearly every file) is spared a query per chunk while the writer waits.

All or nothing by default: every chunk is written inside one transaction, which is rolled back when any
row was refused (every refused row is reported with its row number, column, value and reason).
"""

from __future__ import annotations

import contextvars
import json
import re
import sys
import time
from collections.abc import Callable, Iterator
from concurrent import futures
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import IO, Any

import orjson
import psycopg
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DEFAULT_DB_ALIAS, IntegrityError, connection, connections, transaction
from django.db.models import Q, TextField
from django.db.models.base import ModelState
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast, Upper
from django.utils.translation import gettext as _

from apps.core import context, events
from apps.core.batches import (
    COPY_NULL,
    constraints_checked_per_statement,
    copy_json,
    copy_text,
    cyclic_gc_paused,
    triggers_without_subtransactions,
)
from apps.core.lookups import array_literal
from apps.core.models import AuditLog, User
from apps.core.services import audit_record_many, audit_record_rows, audit_rows
from apps.exchange.tabular import (
    MARKED_START,
    DryRun,
    ImportRejected,
    ImportReport,
    Progress,
    RowError,
    Table,
    is_formula,
    unescape,
)
from apps.products import policies, selectors, services
from apps.products import values as vals
from apps.products.events import ProductsChanged
from apps.products.models import (
    UNIQUE_VALUE_ONCE,
    AssociationType,
    Attribute,
    Category,
    Family,
    FamilyVariant,
    Product,
)

T = Attribute.Type
CHUNK = 2000
IDENTITY = ("sku", "identifier")
BASE = ("family", "categories", "enabled", "parent", "family_variant", "gtin")
IGNORED = ("groups",)
ASSOCIATION_SUFFIXES = ("-products", "-product_models")
IGNORED_ASSOCIATION_SUFFIXES = ("-groups",)
_FIELD_COLUMNS = {"is_model": "parent", "values": "", "associations": ""}
_VALUE_KINDS = ("value", "price", "unit")  # the columns that hold an attribute's value


@dataclass(frozen=True)
class Column:
    index: int
    name: str
    kind: str  # a BASE name, "value", "price", "unit" or "association"
    code: str = ""
    locale: str = vals.ANY
    channel: str = vals.ANY
    currency: str = ""


def parse_header(header: list[str], catalog: vals.Catalog) -> tuple[list[Column], list[str]]:
    """The columns Noel uses and those it ignores (named once); unknown columns refuse the file."""
    columns: list[Column] = []
    ignored: list[str] = []
    errors: list[RowError] = []
    association_types = set(AssociationType.objects.values_list("code", flat=True))
    seen: set[str] = set()
    for index, name in enumerate(header):
        if not name:
            errors.append(RowError(1, f"#{index + 1}", _("a column has no name")))
            continue
        if name in seen:
            errors.append(RowError(1, name, _("the column appears twice")))
            continue
        seen.add(name)
        if name in IDENTITY:
            columns.append(Column(index, name, "sku"))
        elif name in BASE:
            columns.append(Column(index, name, name))
        elif name in IGNORED or name.endswith(IGNORED_ASSOCIATION_SUFFIXES):
            ignored.append(name)
        elif name.endswith(ASSOCIATION_SUFFIXES):
            kind = name.rsplit("-", 1)[0]
            if kind in association_types:
                columns.append(Column(index, name, "association", code=kind))
            else:
                errors.append(RowError(1, name, _("unknown association type {kind}").format(kind=kind)))
        else:
            try:
                columns.append(_value_column(index, name, catalog))
            except ValueError as exc:
                errors.append(RowError(1, name, str(exc)))
    if not any(c.kind == "sku" for c in columns):
        errors.insert(0, RowError(1, "sku", _("the header has no sku (or identifier) column")))
    if errors:
        raise ImportRejected(errors)
    return columns, ignored


def _value_column(index: int, name: str, catalog: vals.Catalog) -> Column:
    code, *rest = name.split("-")
    attribute = catalog.attributes.get(code)
    if attribute is None:
        raise ValueError(_("unknown attribute {code}").format(code=code))
    locale = channel = vals.ANY
    if attribute.localizable:
        if not rest:
            raise ValueError(_("{code} is localizable: name the locale, e.g. {code}-fr_FR").format(code=code))
        locale = rest.pop(0)
        if locale not in catalog.locales:
            raise ValueError(_("unknown or inactive locale {locale}").format(locale=locale))
    if attribute.scopable:
        if not rest:
            raise ValueError(_("{code} is scopable: name the channel, e.g. {code}-web").format(code=code))
        channel = rest.pop(0)
        if channel not in catalog.channels:
            raise ValueError(_("unknown channel {channel}").format(channel=channel))
    kind, currency = "value", ""
    if attribute.type == T.PRICE:
        if not rest:
            raise ValueError(_("{code} is a price: name the currency, e.g. {code}-EUR").format(code=code))
        currency = rest.pop(0)
        if currency not in catalog.currencies:
            raise ValueError(_("unknown or inactive currency {currency}").format(currency=currency))
        kind = "price"
    elif attribute.type == T.MEASUREMENT and rest == ["unit"]:
        kind, rest = "unit", []
    if rest:
        part = rest[0]
        if part in catalog.locales:
            reason = _("{code} is not localizable").format(code=code)
        elif part in catalog.channels:
            reason = _("{code} is not scopable").format(code=code)
        else:
            reason = _("unknown locale or channel {part}").format(part=part)
        raise ValueError(reason)
    return Column(index, name, kind, code, locale, channel, currency)


@dataclass
class _Row:
    number: int
    sku: str
    cells: dict[str, str]  # column name → cell, unescaped


_Cells = list[tuple[int, str, "_Row | RowError"]]  # a chunk as read: row number, SKU, cells or refusal


@dataclass
class _Fetched:
    """What `ProductImporter.fetch` read of PostgreSQL for a chunk."""

    rows: list[_Row]  # the rows whose SKU came first
    refused: list[RowError]  # the others and the malformed ones, in row order
    stored: dict[str, list[Any]]  # SKU → as Noel holds it (see `fetch`)
    clashes: dict[str, str]  # upper-case SKU → the SKU another product holds in another case
    parents: dict[str, Product]
    lookups: _Lookups
    ids: list[int]
    now: str  # "" when no id was drawn


@dataclass
class _Prepared:
    chunk: list[_Row]
    existing: dict[str, Product]
    clashes: dict[str, str]
    parents: dict[str, Product]
    lookups: _Lookups
    ids: list[int]  # drawn from the products' sequence, one for each row that may create a product
    now: str  # the transaction's time, ISO 8601, as the new products' created_at and updated_at


@dataclass
class _Pending:
    """A settled chunk, as the writer thread takes it: every row in COPY's text format already, encoded
    (by the main thread, which has time to spare while the writer sets the pace)."""

    created: bytes  # rows of the product table
    changed: bytes  # rows of the staging table that `_UPDATE` reads
    created_count: int
    changed_ids: list[int]
    models: list[int]  # changed product models, whose variants' completeness follows their values
    completeness_created: bytes
    completeness_changed: bytes
    audit: bytes
    skus: list[str]
    numbers: dict[str, int]  # SKU or GTIN → row, should another write have taken one meanwhile


@dataclass
class _Batch:
    """A validated chunk: the products to write (with their state before), the rows they came from, the
    changes of approved products to propose, and what the writer thread will need of each product."""

    written: list[tuple[Product, tuple | None]] = field(default_factory=list)
    rows: dict[str, _Row] = field(default_factory=dict)
    proposals: list[tuple[Product, dict[str, Any]]] = field(default_factory=list)
    # for the writer thread (see `_Pending`), per SKU: product row, audit diff and completeness rows
    staged: dict[str, str] = field(default_factory=dict)
    diffs: dict[str, dict[str, Any]] = field(default_factory=dict)
    completeness: dict[str, str] = field(default_factory=dict)
    pending: _Pending | None = None  # all of them, in case none is refused by `settle`
    # the unique values `settle` asks Noel about: each with its product, and the query's parameters
    asked: list[tuple[Product, str, str, str, Any]] = field(default_factory=list)
    probe: list[str] = field(default_factory=list)


class ProductImporter:
    """One import run: header checked once, then chunks validated and written (see the module's doc)."""

    def __init__(
        self, *, actor: User | None, catalog: vals.Catalog, columns: list[Column], ask_unique: bool = False
    ):
        self.actor = actor
        # ask Noel about each unique value before writing (else the database's index decides: see the doc)
        self.ask_unique = ask_unique
        self.catalog = catalog
        self.columns = columns
        self.present = {c.kind for c in columns}
        self.sku_column = next(c for c in columns if c.kind == "sku")
        self.by_key = {}
        for column in columns:
            self.by_key.setdefault((column.code, column.locale, column.channel), column.name)
        self.families = {
            f.code: f for f in Family.objects.select_related("label_attribute").prefetch_related("attributes")
        }
        self.families_by_id = {f.pk: f for f in self.families.values()}
        # requirements, channels and locales hold for the whole file (an import changes no family)
        self.completeness = services.CompletenessPlan(set(self.families_by_id))
        self.variants = {
            v.pk: v
            for v in FamilyVariant.objects.prefetch_related(
                "axes", "variant_attributes", "sub_axes", "sub_attributes"
            )
        }
        self.variant_codes = {v.code: v for v in self.variants.values()}
        self.scope = policies.category_scope(actor) if actor is not None else None
        self.types = {code: attribute.type for code, attribute in catalog.attributes.items()}
        self.categories = set(Category.objects.values_list("code", flat=True))
        # Rows that repeat what Noel holds skip validation (see _unchanged), unless the importer is limited
        # to some categories or a measurement comes without its unit column (or the other way round): then
        # an equal cell does not mean an unchanged value, and every row takes the full path.
        self.quick = self.scope is None and _measurements_whole(columns, catalog)
        # a re-imported row is compared value column by value column with the cells PostgreSQL hands over
        # (see _unchanged), then by its other columns
        value_columns = [c for c in columns if c.kind in _VALUE_KINDS]
        self.value_plan = [
            (c.name, c.code, c.locale, c.channel, _value_mode(c, self.types[c.code]), c.currency)
            for c in value_columns
        ]
        self.value_columns = [(c.name, self.types[c.code]) for c in value_columns]
        self.fresh_plan = _fresh_plan(self.value_plan, catalog)
        self.other_columns = [c for c in columns if c.kind not in _VALUE_KINDS]
        self.stored_cells = _stored_cells(value_columns, self.types)
        self.skus_table = False  # the temporary table of the SKUs met so far (see _seen_before)
        self.associated: dict[str, int] = {}  # SKU that has associations → its row, checked at the end
        self.touched: list[str] = []
        self.caches: tuple[dict, dict] = ({}, {})
        self.carried: list[Product] = []  # the previous chunk's products, maybe not written yet
        with connection.cursor() as cursor:  # where the ids of new products are drawn from (see prepare)
            cursor.execute("SELECT pg_get_serial_sequence('products_product', 'id')")
            self.sequence = cursor.fetchone()[0]
        self.unique_codes = sorted(
            {c.code for c in columns if c.kind in _VALUE_KINDS and catalog.attributes[c.code].unique}
        )
        self.report = ImportReport()

    @staticmethod
    def row_of(row: int) -> int:
        """A row a reason names, as the file was given (see products_import's `row_of`)."""
        return row

    # -- reading ---------------------------------------------------------------------------------------
    def parse(self, table: Table) -> Iterator[_Cells]:
        """The file's rows in chunks, cells read and checked on their own (formulas, extra cells), without
        the database: the import reads the next chunk while the writer thread writes."""
        width = len(table.header)
        pending: _Cells = []
        for number, cells in table.rows():
            self.report.rows += 1
            if any(cell.strip() for cell in cells[width:]):
                reason = _("{n} cells for {w} columns: check the delimiter and the quoting")
                pending.append((number, "", RowError(number, "", reason.format(n=len(cells), w=width))))
                continue
            cells = cells + [""] * (width - len(cells))
            sku = cells[self.sku_column.index].strip()
            if sku[:1] == "'":  # escaped by an export ('-ABC): the SKU itself, as every other cell
                sku = unescape(sku)
            if not sku:
                pending.append((number, "", RowError(number, self.sku_column.name, _("the SKU is empty"))))
                continue
            if problem := services.sku_problem(sku):
                pending.append((number, "", RowError(number, self.sku_column.name, problem, sku[:80])))
                continue
            row: _Row | RowError = _Row(number, sku, {})
            for column in self.columns:
                cell = cells[column.index]
                if cell[:1] in MARKED_START:  # the other cells need neither check (two calls a cell spared)
                    if is_formula(cell):
                        reason = _("a formula is not data: type the value itself")
                        row = RowError(number, column.name, reason, sku, cell)
                        break
                    cell = unescape(cell)
                row.cells[column.name] = cell
            pending.append((number, sku, row))
            if len(pending) >= CHUNK:
                yield pending
                pending = []
        if pending:
            yield pending

    def refuse_repeats(self, fetched: _Fetched) -> None:
        """Refuse, in row order, the rows whose SKU (whatever its case) came in an earlier row and the
        malformed ones, as `fetch` found them (the report is the main thread's)."""
        for error in fetched.refused:
            self._reject(error)

    def _firsts(
        self, cells: _Cells, firsts: dict[str, int], seen: dict[str, int]
    ) -> tuple[list[_Row], list[RowError]]:
        """The rows whose SKU comes first (in the chunk: `firsts`; in earlier chunks: `seen`), and the
        refused ones: repeats and malformed rows, in row order."""
        rows, refused = [], []
        for number, sku, item in cells:
            first = seen.get(sku.upper(), firsts[sku.upper()]) if sku else number
            if first != number:
                reason = _("SKU appears again (first at row {first})").format(first=self.row_of(first))
                refused.append(RowError(number, self.sku_column.name, reason, sku, sku))
            elif isinstance(item, RowError):
                refused.append(item)
            else:
                rows.append(item)
        return rows, refused

    def _seen_before(self, firsts: dict[str, int]) -> dict[str, int]:
        """Of these SKUs (upper case → row), those met in an earlier chunk, with its row; all are recorded."""
        if not firsts:
            return {}
        with connection.cursor() as cursor:
            if not self.skus_table:
                cursor.execute(_SKUS_TABLE)
                cursor.execute("TRUNCATE noel_import_sku")
                self.skus_table = True
            skus = array_literal(firsts)
            cursor.execute(_SKUS_RECORD, [skus, array_literal(firsts.values())])
            if cursor.rowcount == len(firsts):  # none met before, as in most files: no lookup
                return {}
            cursor.execute(_SKUS_HELD, [skus])
            return {sku: row for sku, row in cursor.fetchall() if row != firsts[sku]}

    def _reject(self, error: RowError) -> None:
        self.report.rejected += 1
        self.report.error(error)

    # -- one chunk ---------------------------------------------------------------------------------------
    def fetch(self, cells: _Cells) -> _Fetched:
        """What a chunk's checks read from PostgreSQL, read at once: by the writer thread right after its
        write, while the main thread validates the chunk in between (see `_Writer`).

        That chunk is not written yet: `validate` counts its products as held, from memory (as parents,
        GTINs, siblings and unique values). SKUs met in earlier chunks are kept in a temporary table, not
        in memory, so memory stays flat however long the file."""
        firsts = _first_rows(cells)
        seen = self._seen_before(firsts)
        rows, refused = self._firsts(cells, firsts, seen)
        # PostgreSQL hands over each value column's cell as Noel exports it (see _stored_cells), so that
        # comparing a re-imported row decodes no JSON: decoding what Noel holds was a re-import's largest
        # single cost. Found whatever their case: a SKU held in another case is a clash (SKUs ignore case).
        asked = {row.sku for row in rows}
        stored, clashes = {}, {}
        for sku, *rest, associations, values in Product.objects.annotate(upper=Upper("sku")).filter(
            upper__any=[sku.upper() for sku in asked]
        ).order_by().values_list(
            "sku", "family__code", "parent__sku", "family_variant__code", "enabled", "categories", "gtin",
            Cast("associations", TextField()), self.stored_cells,
        ):  # fmt: skip
            if sku in asked:
                stored[sku] = [*rest, orjson.loads(associations), values]
            else:
                clashes[sku.upper()] = sku
        parent_skus = {row.cells.get("parent", "").strip() for row in rows} - {""}
        found = (
            Product.objects.select_related(*_RELATED).filter(sku__any=parent_skus).order_by()
            if parent_skus
            else []
        )
        gtins = (row.cells.get("gtin", "") for row in rows)
        lookups = _Lookups(gtins, parent_skus, self.catalog, categories=self.categories)
        new = len(asked - stored.keys())  # rows that may create a product: an id for each
        ids, now = _drawn(self.sequence, new) if new else ([], "")
        return _Fetched(rows, refused, stored, clashes, {p.sku: p for p in found}, lookups, ids, now)

    def prepare(self, fetched: _Fetched) -> _Prepared | None:
        """The chunk's rows with what validation needs, the changed products locked; None when every row
        is unchanged."""
        chunk, stored, parents, lookups = fetched.rows, fetched.stored, fetched.parents, fetched.lookups
        if self.quick:
            left = [row for row in chunk if not (row.sku in stored and self._unchanged(row, stored[row.sku]))]
            self.report.unchanged += len(chunk) - len(left)
            chunk = left
        if not chunk:
            return None
        known = [row.sku for row in chunk if row.sku in stored]
        existing = (
            {
                p.sku: p
                for p in Product.objects.select_for_update(of=("self",))
                .select_related(*_RELATED)
                .filter(sku__any=known)
            }
            if known
            else {}
        )
        # a model that this chunk changes is the very object its variants here point at, so that their
        # completeness (worked out after the whole chunk is validated) sees its new values
        parents.update({sku: existing[sku] for sku in parents.keys() & existing.keys()})
        for product in existing.values():
            node = product
            while node.parent_id is not None:
                if node.parent.sku in existing:
                    node.parent = existing[node.parent.sku]
                node = node.parent
        for product in [*existing.values(), *parents.values()]:
            self._share_variants(product)
        # allowed attributes and axes hold for the whole file: loaded once
        lookups.allowed_cache, lookups.axes_cache = self.caches
        ids, now = fetched.ids, fetched.now
        if len(ids) < len(chunk) - len(existing):  # a product deleted since `fetch` is created again
            more, now = _drawn(self.sequence, len(chunk) - len(existing) - len(ids))
            ids = more + ids
        return _Prepared(chunk, existing, fetched.clashes, parents, lookups, ids, now)

    def write_then_fetch(self, pending: _Pending | None, cells: _Cells | None) -> _Fetched | None:
        """The writer thread's turn: a settled chunk written, then the reads of the chunk after next."""
        if pending is not None:
            self.write(pending)
        return self.fetch(cells) if cells is not None else None

    def validate(self, prepared: _Prepared) -> _Batch:
        """Every row of the chunk through the admin's rules, in Python only: no query, so that it can run
        while the previous chunk is written."""
        existing, clashes, parents, lookups = (
            prepared.existing, prepared.clashes, prepared.parents, prepared.lookups
        )  # fmt: skip
        # the previous chunk's products, not written yet, count as held (registered here rather than in
        # `prepare`, while the writer writes), then are let go
        for product in self.carried:
            lookups.register(product)
            if product.is_model:
                parents[product.sku] = product
        self.carried = []
        batch = _Batch()
        for row in prepared.chunk:
            if row.sku.upper() in clashes:
                self._reject(
                    RowError(
                        row.number,
                        "sku",
                        _("SKU {other} already exists (SKUs ignore case)").format(
                            other=clashes[row.sku.upper()]
                        ),
                        row.sku,
                        row.sku,
                    )
                )
                continue
            try:
                outcome = self._row(row, existing.get(row.sku), parents, lookups)
            except _RowRefused as refused:
                self.report.rejected += 1
                for error in refused.errors:
                    self.report.error(error)
                continue
            if outcome is None:
                self.report.unchanged += 1
                continue
            product, before, changes = outcome
            if before is not None and product.status == Product.Status.APPROVED:
                if self.actor is None:
                    self._reject(RowError(row.number, "", _(
                        "an approved product changes through a pending change, which needs a person"
                    ), row.sku))  # fmt: skip
                    continue
                batch.proposals.append((existing[row.sku], changes))
                continue
            if before is None:  # before its variants further down point at it
                product.pk = prepared.ids.pop()
            lookups.register(product)
            if product.is_model:
                parents[product.sku] = product
            batch.written.append((product, before))
            batch.rows[product.sku] = row
        # what the writer thread will need, worked out while it still writes the previous chunk
        actor = _NULL if self.actor is None else str(self.actor.pk)
        for product, before in batch.written:
            created = before is None
            batch.staged[product.sku] = (
                _created_row(product, prepared.now, actor) if created else _changed_row(product)
            )
            batch.diffs[product.sku] = self._diff(before, product)
            batch.completeness[product.sku] = f"{product.pk}\t{self.completeness.row(product)}"
        batch.pending = self._pending(batch.written, batch)
        if self.unique_codes and self.ask_unique:
            batch.asked = [(p, *slot) for p, _before in batch.written for slot in self._unique_slots(p)]
        if batch.asked:
            columns = [
                list(column) for column in zip(*(slot for _product, *slot in batch.asked), strict=True)
            ]
            batch.probe = [*map(array_literal, columns[:3]), array_literal(map(json.dumps, columns[3]))]
        return batch

    def settle(self, batch: _Batch) -> _Pending | None:
        """The chunk's checks against Noel and the earlier chunks (written by now), and its pending changes
        of approved products; the rows left are carried into the next chunk's validation and handed to the
        writer thread."""
        written = self._unique_in_noel(batch)
        for product, changes in batch.proposals:
            services.product_update(
                actor=self.actor, product=product, expected_version=product.version, changes=changes,
                catalog=self.catalog,
            )  # fmt: skip
            self.report.pending += 1
            self.touched.append(product.sku)
        self.carried = [product for product, _before in written]
        # built while the writer wrote the previous chunk; built again only when a unique value refused rows
        return batch.pending if len(written) == len(batch.written) else self._pending(written, batch)

    def _pending(self, written: list[tuple[Product, tuple | None]], batch: _Batch) -> _Pending | None:
        """What the writer thread takes of these products: their rows in COPY's text format."""
        if not written:
            return None
        created = [product for product, before in written if before is None]
        changed = [product for product, before in written if before is not None]
        entries = [
            {
                "actor": self.actor,
                "action": "product.create" if before is None else "product.update",
                "object_type": "product",
                "object_code": product.sku,
                "diff": batch.diffs[product.sku],
            }
            for product, before in written
        ]
        numbers = {p.gtin: batch.rows[p.sku].number for p in created if p.gtin}
        numbers.update((product.sku, batch.rows[product.sku].number) for product in created)
        return _Pending(
            created="".join(batch.staged[product.sku] for product in created).encode(),
            changed="".join(batch.staged[product.sku] for product in changed).encode(),
            created_count=len(created),
            changed_ids=[product.pk for product in changed],
            models=[product.pk for product in changed if product.is_model],
            completeness_created="".join(batch.completeness[p.sku] for p in created).encode(),
            completeness_changed="".join(batch.completeness[p.sku] for p in changed).encode(),
            audit=audit_rows(entries).encode(),
            skus=[product.sku for product, _before in written],
            numbers=numbers,
        )

    def _unchanged(self, row: _Row, stored: list[Any]) -> bool:
        """Every cell already says what Noel holds, as Noel exports it: the full path would find the row
        unchanged, so it is spared validation (a re-import is cheap). Another spelling of the same data
        ("12.50" for "12.5") is not recognised here: it takes the full path, which decides."""
        family, parent, variant, enabled, categories, gtin, associations, cells = stored
        given = row.cells
        for (name, kind), held in zip(self.value_columns, cells, strict=True):
            cell = given[name]
            if kind == T.MULTISELECT:
                cell = ",".join(_listed(cell))
            elif kind != T.TEXTAREA:
                cell = cell.strip()
            if cell != held:
                return False
        base = {"parent": parent or "", "family_variant": variant or "", "gtin": gtin or ""}
        for column in self.other_columns:
            cell, kind = given[column.name], column.kind
            if kind == "association":
                skus = _listed(cell)
                same = row.sku not in skus and associations.get(column.code) == (skus or None)
            elif kind == "categories":
                codes = _listed(cell)
                same = codes == categories and self.categories.issuperset(codes)
            elif kind == "family":
                same = cell.strip() in ("", family)
            elif kind == "enabled":
                same = _boolean(cell) is enabled
            else:
                same = kind == "sku" or cell.strip() == base[kind]
            if not same:
                return False
        return True

    def _unique_in_noel(self, batch: _Batch) -> list[tuple[Product, tuple | None]]:
        """The rows whose unique values no other product holds, in Noel or earlier in the file.

        Validation compared them with the chunk's own rows only; the others' are in UniqueValue (earlier
        chunks are written by now), so memory does not grow with the file. A value held by a product that
        this chunk changes to another value is free: the chunk's changes are written in one statement, before
        its new products (see `write`), as the database's index alone would have let them through. A model
        refused here takes its variants with it, as when it is refused by validation."""
        written, rows, asked = batch.written, batch.rows, batch.asked
        if not asked:
            return written
        with connection.cursor() as cursor:
            cursor.execute(_UNIQUES_HELD, batch.probe)
            held = cursor.fetchall()
        changing = {product.sku: product for product, before in written if before is not None}
        refused: set[str] = set()
        released = []  # (index asked, holder): free, unless that holder is refused and so keeps the value

        def refuse(product: Product, error: RowError) -> None:
            self._reject(error)
            refused.add(product.sku)

        def taken(index: int, other: str) -> None:
            product, code, locale, channel, value = asked[index - 1]
            if product.sku not in refused:
                issue = services.unique_issue(product, code, locale, channel, value, other)
                refuse(product, self._value_error(rows[product.sku], issue))

        for index, other in sorted(held):
            product, code, locale, channel, value = asked[index - 1]
            if other == product.sku:
                continue
            holder = changing.get(other)
            if holder is not None and holder.values.get(code, {}).get(locale, {}).get(channel) != value:
                released.append((index, other))
            else:
                taken(index, other)
        while True:
            count = len(refused)
            for index, other in released:
                if other in refused:
                    taken(index, other)
            for product, _before in written:
                parent = product.parent
                if product.sku not in refused and parent is not None and parent.sku in refused:
                    reason = _("parent {sku} does not exist (neither in Noel nor earlier in the file)")
                    number = rows[product.sku].number
                    refuse(product, RowError(number, "parent", reason.format(sku=parent.sku), product.sku))
            if len(refused) == count:
                return [(product, before) for product, before in written if product.sku not in refused]

    def _unique_slots(self, product: Product) -> Iterator[tuple[str, str, str, Any]]:
        for code in self.unique_codes:
            for locale, by_channel in product.values.get(code, {}).items():
                for channel, value in by_channel.items():
                    yield code, locale, channel, value

    def _share_variants(self, product: Product) -> None:
        """Point loaded products at the prefetched family variants, so validation asks no more queries."""
        node: Product | None = product
        while node is not None:
            if node.family_variant_id:
                node.family_variant = self.variants[node.family_variant_id]
            node.family = self.families_by_id[node.family_id]
            node = node.parent

    def _row(
        self, row: _Row, current: Product | None, parents: dict[str, Product], lookups: services._BatchLookups
    ) -> tuple[Product, dict[str, Any] | None, dict[str, Any]] | None:
        """Validate one row: the product to write and its state before (None when new); None if unchanged."""
        cells, errors = row.cells, []
        refuse = lambda column, reason: errors.append(  # noqa: E731
            RowError(row.number, column, reason, row.sku, cells.get(column, ""))
        )
        before = self._state(current) if current is not None else None
        product = current or _new_product(row.sku, self.actor)
        held = list(current.categories) if current is not None else None
        changes: dict[str, Any] = {}
        family_code = cells.get("family", "").strip()
        if family_code:
            family = self.families.get(family_code)
            if family is None:
                refuse("family", _("unknown family {code}").format(code=family_code))
            elif current is None or family.pk != current.family_id:
                product.family, changes["family"] = family, family
        elif current is None:
            refuse("family", _("a new product needs a family"))
        parent_sku = cells.get("parent", "").strip() if "parent" in self.present else None
        if parent_sku is not None and current is not None:
            if parent_sku != (current.parent.sku if current.parent_id else ""):
                refuse("parent", _("the parent of an existing product cannot change by import"))
        elif parent_sku:
            product.parent = parents.get(parent_sku)
            if product.parent is None:
                refuse(
                    "parent",
                    _("parent {sku} does not exist (neither in Noel nor earlier in the file)").format(
                        sku=parent_sku
                    ),
                )
        variant_code = cells.get("family_variant", "").strip() if "family_variant" in self.present else None
        if variant_code and current is None:
            product.family_variant = self.variant_codes.get(variant_code)
            if product.family_variant is None:
                refuse("family_variant", _("unknown family variant {code}").format(code=variant_code))
        elif (
            variant_code is not None
            and current is not None
            and variant_code != (current.family_variant.code if current.family_variant_id else "")
        ):
            refuse("family_variant", _("the family variant of an existing product cannot change by import"))
        if errors:
            raise _RowRefused(errors)
        if current is None:
            product.is_model = self._is_model(product)
        if "enabled" in self.present:
            enabled = _boolean(cells["enabled"])
            if enabled is None:
                refuse("enabled", _("{value!r} is not yes/no (use 1 or 0)").format(value=cells["enabled"]))
            elif current is None or enabled != current.enabled:
                product.enabled = changes["enabled"] = enabled
        if "categories" in self.present:
            product.categories = changes["categories"] = _listed(cells["categories"])
        if "gtin" in self.present:
            product.gtin = changes["gtin"] = cells["gtin"].strip() or None
        self._check_scope(product, held, refuse)
        cleaned = self._fresh_values(cells, lookups.allowed(product)) if current is None else None
        raw: dict[str, Any] = {}
        if cleaned is None:
            raw, value_changes = self._values(product, cells)
            if value_changes:
                changes["values"] = value_changes
        associations = self._associations(product, cells, refuse)
        if associations is not None:
            product.associations = changes["associations"] = associations
        if errors:
            raise _RowRefused(errors)
        try:
            product.values = services._validate(product, raw, self.catalog, lookups, cleaned=cleaned)
        except vals.ProductValidationError as exc:
            raise _RowRefused([self._value_error(row, issue) for issue in exc.issues]) from exc
        except ValidationError as exc:
            prefix = f"{row.sku}: "
            raise _RowRefused(
                [
                    RowError(row.number, _FIELD_COLUMNS.get(f, f), m.removeprefix(prefix), row.sku,
                             cells.get(_FIELD_COLUMNS.get(f, f), ""))
                    for f, messages in exc.message_dict.items() for m in messages
                ]
            ) from exc  # fmt: skip
        if before is not None and self._state(product) == before:
            return None
        product.search_text = services._search_text(product, services.effective_values(product))
        if product.associations:
            self.associated[product.sku] = row.number
        return product, before, changes

    def _is_model(self, product: Product) -> bool:
        if product.parent is None:
            return product.family_variant is not None
        variant = services.family_variant_of(product)
        return product.parent.parent is None and variant is not None and bool(list(variant.sub_axes.all()))

    def _check_scope(self, product: Product, before: list[str] | None, refuse: Callable) -> None:
        """The product policy's word on the categories the row gives the product (held `before`)."""
        if self.scope is None:
            return
        refusal = policies.categories_refusal(
            self.actor, sku=product.sku, before=before, after=product.categories, parent=product.parent
        )
        if refusal:
            refuse("categories", refusal)

    def _values(self, product: Product, cells: dict[str, str]) -> tuple[dict[str, Any], dict[str, Any]]:
        """The product's own values with the file's cells over them; an empty cell clears its value."""
        raw = {code: {loc: dict(ch) for loc, ch in by_loc.items()} for code, by_loc in product.values.items()}
        given: dict[str, Any] = {}
        for name, code, locale, channel, mode, currency in self.value_plan:
            cell = cells[name]
            slot = _slots(given, code, locale)
            if mode == "text":
                slot[channel] = cell.strip()
            elif mode == "textarea":  # kept as typed, leading spaces and line breaks included
                slot[channel] = cell
            elif mode == "price":
                old = raw.get(code, {}).get(locale, {}).get(channel) or {}
                prices = slot.setdefault(channel, dict(old))
                if cell.strip():
                    prices[currency] = cell.strip()
                else:
                    prices.pop(currency, None)
            else:  # a measurement's amount or unit
                measure = slot.setdefault(channel, {"amount": "", "unit": ""})
                measure[mode] = cell.strip()
        for code, by_locale in given.items():
            for locale, by_channel in by_locale.items():
                for channel, value in by_channel.items():
                    if isinstance(value, dict) and "amount" in value and not value["amount"]:
                        value = None
                    by_channel[channel] = value or None
                    if value or code in raw:  # an empty cell clears a value, never adds an attribute
                        raw.setdefault(code, {}).setdefault(locale, {})[channel] = by_channel[channel]
        return raw, given

    def _fresh_values(self, cells: dict[str, str], allowed: set[str]) -> dict[str, Any] | None:
        """A new product's values in their stored form, read straight from its cells: what `_values` and
        then `vals.clean_values` give, the same values in the same order, through the same rules. None at
        the first doubt (an attribute outside the family or level, a value refused), so that the full path
        finds and words every issue. Spares a first import two walks of each product's values and a copy
        of them; a single line of text is checked here, a value that repeats (an option, a number, a
        date…) is taken from the catalog's memory, the rest goes through `Catalog.normalise`."""
        normalise, known = self.catalog.normalise, self.catalog.known
        cleaned: dict[str, Any] = {}
        for code, attribute, by_locale in self.fresh_plan:
            held: dict[str, Any] | None = None  # the attribute's values, made at its first
            for locale, slots in by_locale:
                found: dict[str, Any] | None = None
                for channel, mode, names, limit in slots:
                    if mode == _LINE:
                        value: Any = cells[names].strip()
                        if not value:
                            continue
                        if len(value) > limit or "\n" in value or "\r" in value:
                            return None
                    elif mode == _AREA:  # kept as typed
                        value = cells[names]
                        if not value:
                            continue
                        if limit and len(value) > limit:
                            return None
                    elif mode == _KNOWN:
                        raw = cells[names].strip()
                        if not raw:
                            continue
                        # remembered under the key `Catalog.normalise` gives it; a miss goes there
                        value = known.get((code, raw), _UNKNOWN)
                        if value is _UNKNOWN:
                            try:
                                value = normalise(attribute, raw)
                            except ValueError:
                                return None
                        elif type(value) is list:  # each product's own list
                            value = list(value)
                    else:
                        if mode == _TEXT:
                            value = cells[names].strip()
                        elif mode == _TEXTAREA:  # kept as typed
                            value = cells[names]
                        elif mode == _PRICE:
                            value = {
                                currency: amount
                                for name, currency in names
                                if (amount := cells[name].strip())
                            }
                        else:  # a measurement: its amount column, then its unit column (either may be absent)
                            amount, unit = (cells[name].strip() if name else "" for name in names)
                            value = {"amount": amount, "unit": unit} if amount else None
                        if not value:
                            continue
                        try:
                            value = normalise(attribute, value)
                        except ValueError:
                            return None
                    if found is None:
                        if held is None:
                            if code not in allowed:
                                return None
                            held = cleaned[code] = {}
                        found = held[locale] = {}
                    found[channel] = value
        return cleaned

    def _associations(self, product: Product, cells: dict[str, str], refuse: Callable) -> dict | None:
        """A type's list is the union of its `-products` and `-product_models` cells (Noel keeps one list
        per type), whatever their order; a type given only as `-product_models` adds to what it had."""
        columns = [c for c in self.columns if c.kind == "association"]
        if not columns:
            return None
        result = {k: list(v) for k, v in product.associations.items()}
        for code in dict.fromkeys(c.code for c in columns):
            own = [c for c in columns if c.code == code]
            replaced = any(not c.name.endswith("-product_models") for c in own)
            skus = set() if replaced else set(result.get(code, []))
            for column in own:
                found = set(_listed(cells[column.name]))
                if product.sku in found:
                    refuse(column.name, _("a product cannot be associated with itself"))
                skus |= found
            if skus:
                result[code] = sorted(skus)
            else:
                result.pop(code, None)
        return dict(sorted(result.items()))

    def _value_error(self, row: _Row, issue: vals.ValueIssue) -> RowError:
        column = self.by_key.get((issue.attribute, issue.locale, issue.channel), issue.attribute)
        return RowError(row.number, column, issue.reason, row.sku, row.cells.get(column, ""))

    def _diff(self, before: tuple | None, product: Product) -> dict[str, Any]:
        """The audit diff the admin's services write for the same change (`selectors.state_changes`), from
        the state taken before (an import changes no SKU; a product in review it changes goes back to draft,
        which the services' diffs leave out too)."""
        after = selectors.product_state(product)
        if before is None:
            return selectors.state_changes({}, after)
        family_id, _variant, _parent, _model, enabled, categories, values, associations, gtin = before
        was = {
            **after, "family": self.families_by_id[family_id].code, "enabled": enabled,
            "categories": categories, "gtin": gtin, "values": orjson.loads(values),
            "associations": orjson.loads(associations),
        }  # fmt: skip
        return selectors.state_changes(was, after)

    @staticmethod
    def _state(product: Product) -> tuple:
        return (
            product.family_id,
            product.family_variant_id,
            product.parent.sku if product.parent_id or product.parent else None,
            product.is_model,
            product.enabled,
            list(product.categories),
            services.canonical_json(product.values),
            services.canonical_json(product.associations),
            product.gtin,
        )

    # -- writing -------------------------------------------------------------------------------------------
    def write(self, pending: _Pending) -> None:
        """Runs in the writer thread (see `_Writer`): PostgreSQL's work, hardly any Python. The counts it adds
        to (created, updated, touched) are its own: the main thread meanwhile adds only to others."""
        # the statement-level history triggers write the versions
        with connection.cursor() as cursor, services._history(self.actor):
            cursor.execute(_STAGE)
            # pghistory sets its context in front of each statement Django runs, not of a COPY, which
            # psycopg sends itself: this one sets it for the COPYs that follow
            cursor.execute("TRUNCATE noel_import_product")
            try:
                # the changes first: a unique value a changed product gives up is free for a new one
                if pending.changed:
                    with cursor.cursor.copy(_COPY_STAGE) as copy:
                        copy.write(pending.changed)
                    cursor.execute(_UPDATE, {"actor": self.actor.pk if self.actor else None})
                if pending.created:
                    with cursor.cursor.copy(_COPY_PRODUCTS) as copy:
                        copy.write(pending.created)
            except (psycopg.errors.UniqueViolation, IntegrityError) as exc:
                cause = exc if isinstance(exc, psycopg.Error) else exc.__cause__
                diag = getattr(cause, "diag", None)
                if not self.ask_unique and getattr(diag, "constraint_name", "") == UNIQUE_VALUE_ONCE:
                    raise _AskUnique from exc
                detail = getattr(diag, "message_detail", None) or str(exc)
                raise _TakenMeanwhile(detail, pending.numbers) from exc
        self.report.created += pending.created_count
        self.report.updated += len(pending.changed_ids)
        self.touched += pending.skus
        services.completeness_store(pending.completeness_created, pending.completeness_changed)
        if pending.models:  # their variants not in this chunk, read with the models' new values
            below = Product.objects.filter(
                Q(parent_id__in=pending.models) | Q(parent__parent_id__in=pending.models)
            ).exclude(sku__in=pending.skus)
            services.completeness_compute(
                list(below.select_related("parent__parent")), plan=self.completeness
            )
        audit_record_rows(pending.audit)

    def finish(self) -> None:
        """Checks that need the whole file (associations may point forward), then the one event."""
        if self.associated:
            rows = Product.objects.filter(sku__in=list(self.associated)).values_list("sku", "associations")
            wanted = {sku: {s for skus in assoc.values() for s in skus} for sku, assoc in rows}
            every = set().union(*wanted.values()) if wanted else set()
            known = set(Product.objects.filter(sku__in=every).values_list("sku", flat=True))
            for sku, targets in sorted(wanted.items(), key=lambda item: self.associated[item[0]]):
                for missing in sorted(targets - known):
                    self._reject(
                        RowError(self.associated[sku], "associations", _(
                            "associated product {missing} does not exist"
                        ).format(missing=missing), sku, missing)
                    )  # fmt: skip
        if self.touched:
            events.publish(ProductsChanged(skus=tuple(self.touched), source=context.source.get()))


class _Lookups(services._BatchLookups):
    """The batch lookups, where a product already in Noel does not clash with its own GTIN, and unique
    values are compared with the chunk's rows only (then with Noel's, see `_unique_in_noel`)."""

    def gtin_owner(self, product: Product) -> str | None:
        owner = super().gtin_owner(product)
        return None if owner == product.sku else owner

    def _unique_values(self, code: str) -> dict[tuple[str, str, str], str]:
        return self.uniques.setdefault(code, {})


# a new product's fields: those with a default worked out per product (lists, dicts), the others set
# once; generated columns are left unset, as Django leaves them
_PRODUCT_FIELDS = [f for f in Product._meta.concrete_fields if not f.generated]
_PRODUCT_FRESH = [(f.attname, f.default) for f in _PRODUCT_FIELDS if f.has_default() and callable(f.default)]
_PRODUCT_DEFAULTS = {f.attname: f.get_default() for f in _PRODUCT_FIELDS}


def _new_product(sku: str, actor: User | None) -> Product:
    """`Product(sku=…, updated_by=…)`, its attributes set at once: `Model.__init__` sets them one by one
    through `setattr` (4.4 µs a product, 7 % of a first import's validation; this takes 0.7). Nothing
    listens to Product's `pre_init` or `post_init` (tested), the one step this leaves out."""
    product = Product.__new__(Product)
    fields = product.__dict__
    fields.update(_PRODUCT_DEFAULTS)
    for name, default in _PRODUCT_FRESH:
        fields[name] = default()
    fields["sku"] = sku
    fields["updated_by_id"] = actor.pk if actor is not None else None
    state = product._state = ModelState()
    # neither parent nor family variant yet: said, so that reading them is a cache hit, not a miss
    state.fields_cache = {"parent": None, "family_variant": None}
    return product


class _RowRefused(Exception):
    def __init__(self, errors: list[RowError]):
        self.errors = errors


class _AskUnique(Exception):
    """The database refused a unique value of the file: import it again, asking Noel about each one."""


class _TakenMeanwhile(Exception):
    """Another write took a SKU, a GTIN or a unique value of the file while it was imported (free when its
    chunk was read): the import is refused rather than overwrite that product or hold a value twice."""

    def __init__(self, detail: str, numbers: dict[str, int]):
        found = re.match(r"Key \((.+?)\)=\((.*)\) already exists", detail)
        columns, value = found.groups() if found else ("", "")
        column = columns if columns in ("sku", "gtin") else ""
        if "," in columns:  # a unique attribute's: its value, as JSON
            value = value.rsplit(", ", 1)[-1].strip('"')
        reason = _(
            "{value} was taken by another write while this file was imported: nothing was imported,"
            " import the file again"
        ).format(value=value or detail)
        self.error = RowError(numbers.get(value, 1), column, reason, "", value)


def _stored_cells(columns: list[Column], types: dict[str, str]) -> RawSQL:
    """One array of texts: the cell Noel's export (`flat.value_cells`) writes for each of these columns,
    read by PostgreSQL from the one value slot the column names ('' where there is none)."""
    parts, params = [], []
    for column in columns:
        kind = types[column.code]
        path = [column.code, column.locale, column.channel]
        if kind == T.PRICE:
            path.append(column.currency)
        elif kind == T.MEASUREMENT:
            path.append("unit" if column.kind == "unit" else "amount")
        if kind == T.MULTISELECT:
            sql = f"array_to_string(ARRAY(SELECT jsonb_array_elements_text({_VALUES} #> %s::text[])), ',')"
        elif kind == T.BOOLEAN:
            sql = f"CASE ({_VALUES} #> %s::text[]) WHEN 'true' THEN '1' WHEN 'false' THEN '0' ELSE '' END"
        else:
            sql = f"COALESCE({_VALUES} #>> %s::text[], '')"
        parts.append(sql)
        params.append(array_literal(path))
    return RawSQL(f"ARRAY[{', '.join(parts)}]::text[]", params)


_VALUES = f'"{Product._meta.db_table}"."values"'


def _measurements_whole(columns: list[Column], catalog: vals.Catalog) -> bool:
    """Each measurement of the file has both its amount and its unit column."""
    amounts, units = set(), set()
    for column in columns:
        if column.kind in ("value", "unit") and catalog.attributes[column.code].type == T.MEASUREMENT:
            (units if column.kind == "unit" else amounts).add((column.code, column.locale, column.channel))
    return amounts == units


def _first_rows(cells: _Cells) -> dict[str, int]:
    """Each SKU of a chunk (upper case: SKUs ignore case) → the row it first comes in."""
    firsts: dict[str, int] = {}
    for number, sku, _item in cells:
        if sku:
            firsts.setdefault(sku.upper(), number)
    return firsts


def _slots(values: dict[str, Any], code: str, locale: str) -> dict[str, Any]:
    """`values[code][locale]`, made where missing (`setdefault` would build two empty dicts a call)."""
    by_locale = values.get(code)
    if by_locale is None:
        by_locale = values[code] = {}
    slots = by_locale.get(locale)
    if slots is None:
        slots = by_locale[locale] = {}
    return slots


def _fresh_plan(
    value_plan: list[tuple[str, str, str, str, str, str]], catalog: vals.Catalog
) -> list[tuple[str, Attribute, list[tuple[str, list[tuple[str, str, Any, int]]]]]]:
    """For `_fresh_values`: each attribute of the file, each of its locales, each of their channels with
    its column or columns and how its cell is read, in the order `_values` meets them (attribute, then
    locale, then channel, each by its first column), so that a product's values come out in the same
    order. The header has checked each slot's locale and channel as `clean_values` would
    (`_value_column`), and names each column once."""
    slots: dict[str, dict[str, dict[str, list[tuple[str, str, str]]]]] = {}
    for name, code, locale, channel, mode, currency in value_plan:
        columns = slots.setdefault(code, {}).setdefault(locale, {}).setdefault(channel, [])
        columns.append((name, mode, currency))
    plan = []
    for code, by_locale in slots.items():
        attribute = catalog.attributes[code]
        how, limit = _fresh_mode(attribute)
        locales = []
        for locale, by_channel in by_locale.items():
            channels = []
            for channel, columns in by_channel.items():
                mode = columns[0][1]
                if mode == "price":
                    channels.append(
                        (channel, _PRICE, tuple((name, currency) for name, _m, currency in columns), 0)
                    )
                elif mode in ("amount", "unit"):
                    by_mode = {mode: name for name, mode, _currency in columns}
                    names = (by_mode.get("amount"), by_mode.get("unit"))
                    channels.append((channel, _MEASUREMENT, names, 0))
                else:
                    channels.append((channel, how, columns[0][0], limit))
            locales.append((locale, channels))
        plan.append((code, attribute, locales))
    return plan


# How `_fresh_values` reads a cell: a text without a pattern checked on the spot, a value remembered by
# the catalog (options, numbers, dates, yes/no), or `Catalog.normalise` (other texts, prices, measurements)
_LINE, _AREA, _KNOWN, _TEXT, _TEXTAREA, _PRICE, _MEASUREMENT = range(7)
_UNKNOWN = object()


def _fresh_mode(attribute: Attribute) -> tuple[int, int]:
    """How a text or single-cell attribute's cell is read, with its length limit (see `vals.normalise`)."""
    if attribute.type in (T.TEXT, T.IDENTIFIER) and not attribute.regex:
        return _LINE, vals.text_limit(attribute)
    if attribute.type == T.TEXTAREA:
        return (_TEXTAREA, 0) if attribute.regex else (_AREA, vals.text_limit(attribute) or 0)
    if attribute.type in (T.TEXT, T.IDENTIFIER, T.MEDIA):
        return _TEXT, 0
    return _KNOWN, 0


def _value_mode(column: Column, kind: str) -> str:
    """How `_values` takes a value column's cell."""
    if column.kind == "price":
        return "price"
    if kind == T.MEASUREMENT:
        return "unit" if column.kind == "unit" else "amount"
    return "textarea" if kind == T.TEXTAREA else "text"


def _listed(cell: str) -> list[str]:
    """A comma-separated cell (codes, SKUs, options) as Noel stores it: trimmed, without blanks or
    repeats, sorted."""
    return sorted({item.strip() for item in cell.split(",") if item.strip()})


def _created_row(product: Product, now: str, actor: str) -> str:
    """A new product's row of `_COPY_PRODUCTS`, in COPY's text format (Noel's codes and SKUs hold nothing
    to escape)."""
    fields = (
        str(product.pk),
        product.sku,
        str(product.family_id),
        _NULL if product.family_variant_id is None else str(product.family_variant_id),
        _NULL if product.parent is None else str(product.parent.pk),
        "t" if product.is_model else "f",
        "t" if product.enabled else "f",
        product.gtin or _NULL,
        _copy_array(product.categories),
        copy_json(product.values),
        copy_json(product.associations),
        copy_text(product.axis_key),
        copy_text(product.search_text),
        product.status,
        str(product.version),
        now,
        now,
        actor,
        "{}" if actor == _NULL else f"{{{actor}}}",  # contributors (four eyes)
    )
    return "\t".join(fields) + "\n"


def _changed_row(product: Product) -> str:
    """A changed product's row of `_COPY_STAGE` (an import changes neither parent nor family variant)."""
    fields = (
        str(product.pk),
        str(product.family_id),
        "t" if product.enabled else "f",
        product.gtin or _NULL,
        _copy_array(product.categories),
        copy_json(product.values),
        copy_json(product.associations),
        copy_text(product.axis_key),
        copy_text(product.search_text),
    )
    return "\t".join(fields) + "\n"


_NULL = COPY_NULL


def _copy_array(codes: list[str]) -> str:
    return "{" + ",".join(f'"{code}"' for code in codes) + "}"


def _boolean(cell: str) -> bool | None:
    text = cell.strip().lower()
    if text in ("1", "true", "yes", "oui", "y"):
        return True
    if text in ("0", "false", "no", "non", "n"):
        return False
    return None


_SKUS_TABLE = (
    "CREATE TEMPORARY TABLE IF NOT EXISTS noel_import_sku (sku text PRIMARY KEY, row int) ON COMMIT DROP"
)
# A SKU recorded by an earlier chunk keeps its row there: those are the SKUs met again
_SKUS_RECORD = (
    "INSERT INTO noel_import_sku SELECT * FROM unnest(%s::text[], %s::int[]) ON CONFLICT DO NOTHING"
)
_SKUS_HELD = "SELECT sku, row FROM noel_import_sku WHERE sku = ANY(%s::text[])"
# One index probe per value asked (as a lateral join: PostgreSQL would otherwise hash the whole table)
_UNIQUES_HELD = """
SELECT q.n, t.sku
FROM unnest(%s::text[], %s::text[], %s::text[], %s::jsonb[])
     WITH ORDINALITY AS q(code, locale, channel, value, n)
JOIN products_attribute a ON a.code = q.code
CROSS JOIN LATERAL (
    SELECT p.sku FROM products_uniquevalue u JOIN products_product p ON p.id = u.product_id
    WHERE u.attribute_id = a.id AND u.locale = q.locale AND u.channel = q.channel AND u.value = q.value
) t
"""
_IDS = "SELECT now(), array(SELECT nextval(%s::regclass) FROM generate_series(1, %s))"


def _drawn(sequence: str, count: int) -> tuple[list[int], str]:
    """`count` ids of new products drawn from their sequence (in the order `list.pop` hands them out), and
    the transaction's time (ISO 8601), their created_at and updated_at."""
    with connection.cursor() as cursor:
        cursor.execute(_IDS, [sequence, count])
        now, ids = cursor.fetchone()
    return ids[::-1], now.isoformat()


_RELATED = ("family", "family_variant", "parent__family_variant", "parent__parent__family_variant")
_COPY_PRODUCTS = (
    "COPY products_product (id, sku, family_id, family_variant_id, parent_id, is_model, enabled, gtin,"
    ' categories, "values", associations, axis_key, search_text, status, version, created_at, updated_at,'
    " updated_by_id, contributors) FROM STDIN"
)
_STAGE = """
CREATE TEMPORARY TABLE IF NOT EXISTS noel_import_product (
    id bigint, family_id bigint, enabled boolean, gtin varchar(14), categories varchar(100)[],
    "values" jsonb, associations jsonb, axis_key varchar(255), search_text text
) ON COMMIT DROP
"""
_COPY_STAGE = (
    'COPY noel_import_product (id, family_id, enabled, gtin, categories, "values", associations, axis_key,'
    " search_text) FROM STDIN"
)
# The changed products are locked since their chunk was read (`prepare`): no other write came between.
_UPDATE = """
UPDATE products_product p SET
    family_id = s.family_id, enabled = s.enabled, gtin = s.gtin, categories = s.categories,
    "values" = s."values", associations = s.associations, axis_key = s.axis_key, search_text = s.search_text,
    version = p.version + 1, updated_at = now(), updated_by_id = %(actor)s,
    contributors = CASE WHEN %(actor)s IS NULL OR %(actor)s = ANY(p.contributors) THEN p.contributors
                        ELSE array_append(p.contributors, %(actor)s) END,
    status = CASE WHEN p.status = 'in_review' THEN 'draft' ELSE p.status END  -- to be submitted again
FROM noel_import_product s
WHERE p.id = s.id
"""


class _Writer:
    """Writes a chunk in a second thread while the main thread validates the next, in the same
    transaction on the same connection, which the two threads hand over and never use at once: once it
    has written, the writer also makes the reads of the chunk after (`fetch`, the chunk being validated
    meanwhile then taken from memory by `prepare`); the validated chunk's checks against Noel come after
    both (`settle`). Python's validation and PostgreSQL's writing and reading then share the two cores
    instead of taking turns."""

    def __init__(self) -> None:
        self.connection = connections[DEFAULT_DB_ALIAS]
        self.pool = ThreadPoolExecutor(1, "noel-import-writer", initializer=self._share)
        self.pending: Future | None = None

    def _share(self) -> None:
        connections[DEFAULT_DB_ALIAS] = self.connection

    def start(self, job: Callable[..., Any], *args: Any) -> None:
        # the context carries the import's source and request id into the thread
        self.pending = self.pool.submit(contextvars.copy_context().run, job, *args)

    def wait(self) -> Any:
        pending, self.pending = self.pending, None
        return None if pending is None else pending.result()

    def __enter__(self) -> _Writer:
        self.connection.inc_thread_sharing()
        # a thread back from PostgreSQL waits for the other to let go of the GIL: 5 ms by default, paid
        # after every statement the writer sends, and the writer sets the pace
        self.switch = sys.getswitchinterval()
        sys.setswitchinterval(0.0001)
        return self

    def __exit__(self, kind: type[BaseException] | None, *_rest: Any) -> None:
        try:
            if kind is None:
                self.wait()
            elif self.pending is not None:
                futures.wait([self.pending])  # the main thread's error wins; the connection is free again
        finally:
            self.pool.shutdown()
            sys.setswitchinterval(self.switch)
            self.connection.dec_thread_sharing()


def products_import(
    *,
    actor: User | None,
    handle: IO[bytes],
    name: str = "",
    skip_invalid: bool = False,
    dry_run: bool = False,
    progress: Progress | None = None,
    row_of: Callable[[int], int] | None = None,
) -> ImportReport:
    """Import a flat product file (CSV or XLSX). Raises ImportRejected (nothing written) when a row is
    refused and `skip_invalid` is off; a dry run tries everything, reports, and writes nothing.

    `row_of`: for a file translated from another format (Akeneo, Shopify), the row of that file a row
    of this one came from, for the rows a reason names (errors' own rows are put back by the caller)."""
    if actor is not None and not (
        actor.has_perm("products.add_product") and actor.has_perm("products.change_product")
    ):
        raise PermissionDenied(_("{user} may not import products").format(user=actor.get_username()))
    options = {
        "actor": actor,
        "name": name,
        "skip_invalid": skip_invalid,
        "dry_run": dry_run,
        "row_of": row_of,
    }
    started = time.perf_counter()
    try:
        return _attempt(handle, **options, progress=progress, started=started, ask_unique=False)
    except _AskUnique:
        pass  # rolled back; the second attempt starts outside this handler, the first one's frames let go
    handle.seek(0)
    return _attempt(handle, **options, progress=progress, started=started, ask_unique=True)


def _attempt(
    handle: IO[bytes],
    *,
    actor: User | None,
    name: str,
    skip_invalid: bool,
    dry_run: bool,
    progress: Progress | None,
    started: float,
    ask_unique: bool,
    row_of: Callable[[int], int] | None,
) -> ImportReport:
    table = Table(handle, name)
    catalog = vals.Catalog.load()
    columns, ignored = parse_header(table.header, catalog)
    importer = ProductImporter(actor=actor, catalog=catalog, columns=columns, ask_unique=ask_unique)
    if row_of is not None:
        importer.row_of = row_of
    importer.report.columns_ignored = ignored
    importer.report.dry_run = dry_run
    pending: _Pending | None = None
    try:
        with cyclic_gc_paused(), context.bound(origin=AuditLog.Source.IMPORT), transaction.atomic():
            triggers_without_subtransactions()
            with connection.cursor() as cursor:
                # Hundreds of small lookups: starting parallel workers for each cost more than the lookup.
                # Each probes indexes the import keeps in memory: at the default cost of a random page (4,
                # a spinning disk's), a chunk's 2,000 SKUs were looked up by reading the whole product table
                # below ~130,000 products (44 ms a chunk instead of 4). Both for this transaction only.
                cursor.execute(
                    "SELECT set_config('max_parallel_workers_per_gather', '0', true),"
                    " set_config('random_page_cost', '1.1', true)"
                )
            with constraints_checked_per_statement(), _Writer() as writer:
                chunks = importer.parse(table)
                cells, ahead = next(chunks, None), next(chunks, None)
                fetched = importer.fetch(cells) if cells is not None else None
                done = 0
                while cells is not None:
                    importer.refuse_repeats(fetched)
                    prepared = importer.prepare(fetched)
                    # the previous chunk written and the next one's reads made, while this one is validated
                    # and the one after next read from the file
                    writer.start(importer.write_then_fetch, pending, ahead)
                    batch = importer.validate(prepared) if prepared is not None else _Batch()
                    after = next(chunks, None)
                    following = writer.wait()
                    pending = importer.settle(batch)
                    done += len(cells)
                    if progress is not None:
                        progress(done)
                    cells, ahead, fetched = ahead, after, following
                writer.start(importer.write_then_fetch, pending, None)
            importer.finish()
            importer.report.seconds = time.perf_counter() - started
            if importer.report.error_count and not skip_invalid:
                raise ImportRejected(importer.report.errors, importer.report.as_dict())
            if dry_run:
                raise DryRun
            if importer.report.created + importer.report.updated + importer.report.pending:
                audit_record_many(
                    [
                        {
                            "actor": actor,
                            "action": "product.import",
                            "object_type": "import",
                            "object_code": name or "products",
                            "diff": {k: v for k, v in importer.report.as_dict().items() if k != "errors"},
                        }
                    ]
                )
    except DryRun:
        pass
    except _TakenMeanwhile as taken:
        raise ImportRejected([taken.error], importer.report.as_dict()) from taken
    return importer.report
