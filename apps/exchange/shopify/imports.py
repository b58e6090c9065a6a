"""Shopify's product CSV: one row per variant, a product's first row carrying its title, description,
vendor and the names of its options, continuation rows of the same Handle carrying more variants or
more pictures. A handle with options becomes a product model (SKU = the handle) with one variant per
row; a handle with a single variant (no options, or Shopify's "Title: Default Title") a simple product.

The set-up it needs (a `shopify` family, its attributes, a select per option with the values as
options, a family variant per set of options) is created through `apps.products.setup` when missing;
the products are then translated into Noel's flat format and written by the flat import, so
validation, versions, audit and completeness are the same as for any other import. Descriptions are
cleaned of scripts and event handlers (nh3); on channels that forbid HTML (Google, Meta,
marketplaces) a scopable description gets the plain text. Columns Noel has no use for (tax,
shipping, Google Shopping…) are reported once each, by name. Pictures are named by address: the DAM
fetches them once the import commits (`MediaStore.fetch_later`). Shopify's file names no location, so
`Variant Inventory Qty` is counted at the location the user names (`location=`), in the same transaction
as the products; without one the report says once that stock was not imported. `Variant Barcode` is kept
as the `barcode` attribute and is the GTIN when it is a valid one.

Shopify's export has named most of its columns anew since 2024 (`URL handle`, `SKU`, `Price`,
`Product image URL`…): a file in either naming imports the same (`RENAMED`), and errors and ignored
columns are named as the file names them.
"""

from __future__ import annotations

import dataclasses
import html
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import nh3
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from apps.core import context
from apps.core.batches import BatchRejected
from apps.core.models import AuditLog, Channel, Locale, User
from apps.exchange.akeneo.imports import UNITS, flat_import
from apps.exchange.media import media_fetch_later
from apps.exchange.shopify.stock import stock_count, stock_location_refusal, stock_locations
from apps.exchange.tabular import DryRun, ImportRejected, ImportReport, Progress, RowError, Table, is_formula
from apps.products import setup
from apps.products.models import Attribute, AttributeGroup, Family, MeasurementFamily, Product
from apps.products.services import gtin_check

T = Attribute.Type
FAMILY = "shopify"
PLAIN_KINDS = (Channel.Kind.GOOGLE, Channel.Kind.META, Channel.Kind.MARKETPLACE)
OPTIONS = (1, 2, 3)
# Shopify column → (attribute code, type, localizable, level: "model" or "variant")
ATTRIBUTES = {
    "Title": ("name", T.TEXT, True, "model"),
    "Body (HTML)": ("description", T.TEXTAREA, True, "model"),
    "Vendor": ("brand", T.TEXT, False, "model"),
    "Type": ("product_type", T.TEXT, False, "model"),
    "Tags": ("tags", T.TEXTAREA, False, "model"),
    "SEO Title": ("seo_title", T.TEXT, True, "model"),
    "SEO Description": ("seo_description", T.TEXTAREA, True, "model"),
    "Image Src": ("image", T.MEDIA, False, "model"),
    "Variant Price": ("price", T.PRICE, False, "variant"),
    "Variant Compare At Price": ("compare_at_price", T.PRICE, False, "variant"),
    "Variant Grams": ("weight", T.MEASUREMENT, False, "variant"),
    "Variant Image": ("variant_image", T.MEDIA, False, "variant"),
    # as Shopify holds it (it takes any text); the product's GTIN when it is a valid one
    "Variant Barcode": ("barcode", T.TEXT, False, "variant"),
}
GALLERY = ("images", T.TEXTAREA)  # the pictures after the first, one URL a line
USED = {
    "Handle",
    "Variant SKU",
    "Variant Barcode",
    "Status",
    "Published",
    "Image Position",
    *ATTRIBUTES,
    *(f"Option{n} {part}" for n in OPTIONS for part in ("Name", "Value")),
}
# Shopify's current name of a column → its earlier one, which this module reads
RENAMED = {
    "URL handle": "Handle",
    "Description": "Body (HTML)",
    "SKU": "Variant SKU",
    "Barcode": "Variant Barcode",
    "Price": "Variant Price",
    "Compare-at price": "Variant Compare At Price",
    "Weight value (grams)": "Variant Grams",
    "Inventory tracker": "Variant Inventory Tracker",
    "Inventory quantity": "Variant Inventory Qty",
    "Continue selling when out of stock": "Variant Inventory Policy",
    "Product image URL": "Image Src",
    "Image position": "Image Position",
    "Variant image URL": "Variant Image",
    "SEO title": "SEO Title",
    "SEO description": "SEO Description",
    "Published on online store": "Published",
    **{f"Option{n} {part.lower()}": f"Option{n} {part}" for n in OPTIONS for part in ("Name", "Value")},
}
DEFAULT_TITLE = ("Title", "Default Title")
QTY, TRACKER = "Variant Inventory Qty", "Variant Inventory Tracker"  # used when a location is given
STOCK_COLUMNS = (TRACKER, QTY, "Variant Inventory Policy")  # said once when no location is picked


def location_refusal(actor: User | None, *, location: str) -> str | None:
    """Why the file's counts cannot go to `location`, or None; asked again when the import runs."""
    return stock_location_refusal(actor=actor, code=location)


def location_choices(actor: User) -> dict[str, list[tuple[str, str]]]:
    """The stock locations the upload form offers for the counts: (code, name)."""
    return {"location": stock_locations(actor=actor)}


@dataclass
class ShopifyReport(ImportReport):
    """Besides the products, what the counts did: the preview shows how many would be set."""

    stock_location: str = ""
    stock_counted: int = 0
    stock_changed: int = 0
    stock_untracked: int = 0  # variants whose Variant Inventory Tracker is empty: Shopify counts nothing
    stock_skipped: list[str] = field(default_factory=list)  # the stock columns, when no location is picked

    def as_dict(self) -> dict[str, Any]:
        if self.stock_skipped:
            return {**super().as_dict(), "stock": {"location": "", "skipped": self.stock_skipped}}
        if not self.stock_location:
            return super().as_dict()
        stock = {
            "location": self.stock_location,
            "counted": self.stock_counted,
            "changed": self.stock_changed,
        }
        if self.stock_untracked:
            stock["untracked"] = self.stock_untracked
        return {**super().as_dict(), "stock": stock}


def detect(path: Path) -> bool:
    """A Shopify product CSV, told by its header."""
    try:
        with path.open("rb") as handle:
            header = {RENAMED.get(column, column) for column in Table(handle, path.name).header}
    except ImportRejected:
        return False
    return "Handle" in header and bool(header & {"Title", "Variant SKU"})


def slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "_", text).strip("_").lower()


def plain(text: str) -> str:
    """HTML as the text a channel that forbids markup shows."""
    return re.sub(r"\s+", " ", html.unescape(nh3.clean(text, tags=set()))).strip()


@dataclass
class _Product:
    handle: str
    row: int
    cells: dict[str, str]
    options: list[tuple[str, str]] = field(default_factory=list)  # (attribute code, option name)
    variants: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    images: list[tuple[int, str]] = field(default_factory=list)  # (position, URL)


class ShopifyImport:
    def __init__(self, *, actor: User | None, skip_invalid: bool, location: str = ""):
        self.actor = actor
        self.skip_invalid = skip_invalid
        self.report = ShopifyReport(stock_location=location)
        self.counts: list[tuple[int, str, int]] = []  # (row number, SKU, quantity on hand)
        self.untracked: list[int] = []  # row numbers of variants Shopify does not track
        self.refused: set[int] = set()  # row numbers
        self.products: dict[str, _Product] = {}
        channel = Channel.objects.order_by("code").first()
        first_locale = channel.locales.order_by("code").first() if channel else None
        self.locale = (first_locale or Locale.objects.filter(is_active=True).order_by("code").first()).code
        self.currency = channel.currency_id if channel else "EUR"
        self.channels = list(Channel.objects.order_by("code"))
        self.numbers = [1]  # flat row number − 1 → Shopify row number
        self.columns: dict[str, str] = {"sku": "Variant SKU", "gtin": "Variant Barcode", "enabled": "Status"}
        self.pictures: list[tuple[str, str, bool]] = []  # (SKU, address, main picture?) for the DAM
        self.named: dict[str, str] = {}  # a column's earlier name → the file's (see RENAMED)
        self.held_gtins: dict[str, str] | None = None  # SKU → GTIN, read when a barcode is not one

    def name(self, column: str) -> str:
        """The column as the file names it."""
        return self.named.get(column, column)

    def _refuse(self, number: int, column: str, reason: str, sku: str = "", value: str = "") -> None:
        self.refuse(RowError(number, column, reason, sku, value))

    def refuse(self, error: RowError) -> None:
        error = dataclasses.replace(error, column=self.name(error.column))
        self.report.rejected += 1
        self.refused.add(error.row)
        self.report.error(error)

    # -- reading -----------------------------------------------------------------------------------------
    def read_header(self, header: list[str]) -> list[str]:
        """The file's columns under the earlier names this module reads (see RENAMED); the file's own names
        are kept for its errors. Refused: no handle, a column given twice."""
        columns = [RENAMED.get(column, column) for column in header]
        self.named = dict(zip(columns, header, strict=True))
        if "Handle" not in columns:
            reason = _("a Shopify product CSV needs a Handle column (URL handle in Shopify's current export)")
            raise ImportRejected([RowError(1, "Handle", reason)])
        twice = sorted(
            {name for name, column in zip(header, columns, strict=True) if columns.count(column) > 1}
        )
        if twice:
            reason = _("{columns}: the same column twice (Shopify's earlier and current names count as one)")
            raise ImportRejected([RowError(1, twice[0], reason.format(columns=", ".join(twice)))])
        return columns

    def read(self, table: Table, header: list[str]) -> None:
        if self.report.stock_location:
            used = USED | {QTY, TRACKER}
        else:  # one line for the stock columns, not one per column
            used = USED | set(STOCK_COLUMNS)
            if QTY in header:
                self.report.stock_skipped = [self.name(c) for c in header if c in STOCK_COLUMNS]
        self.report.columns_ignored = [self.name(column) for column in header if column not in used]
        previous = ""  # the handle of the row before
        for number, cells in table.rows():
            self.report.rows += 1
            row = {c: (cells[i] if i < len(cells) else "").strip() for i, c in enumerate(header)}
            formula = next((c for c, v in row.items() if is_formula(v)), None)
            if formula:
                self._refuse(
                    number, formula, _("a formula is not data: type the value itself"), value=row[formula]
                )
                continue
            handle = row["Handle"]
            if not handle:
                self._refuse(number, "Handle", _("the Handle is empty"))
                continue
            product = self.products.get(handle)
            if product is not None and handle != previous and row.get("Title"):
                reason = _(
                    "the handle {handle} is already that of the product at row {first}: a handle names one "
                    "product, whose rows follow one another"
                )
                self._refuse(number, "Handle", reason.format(handle=handle, first=product.row), value=handle)
                continue
            previous = handle
            if product is None:
                product = self.products[handle] = self._first(number, row)
            if row.get("Image Src"):
                position = row.get("Image Position", "")
                product.images.append(
                    (int(position) if position.isdigit() else 10_000 + number, row["Image Src"])
                )
            if row.get("Variant SKU") or row.get("Variant Price") or row.get("Option1 Value"):
                product.variants.append((number, row))

    def _first(self, number: int, row: dict[str, str]) -> _Product:
        product = _Product(row["Handle"], number, row)
        if not row.get("Title"):
            self._refuse(number, "Title", _("the first row of a handle needs its Title"), row["Handle"])
        for n in OPTIONS:
            name = row.get(f"Option{n} Name", "")
            if name and (name, row.get(f"Option{n} Value")) != DEFAULT_TITLE:
                code = slug(name)
                if not code:
                    self._refuse(number, f"Option{n} Name", _("an option name needs letters or digits"))
                product.options.append((code, name))
        return product

    # -- set-up ------------------------------------------------------------------------------------------
    def set_up(self) -> None:
        """The family, attributes, options and family variants the file needs, created when missing."""
        group = (
            AttributeGroup.objects.filter(code=FAMILY).first()
            or setup.attribute_group_save(actor=self.actor, code=FAMILY, labels={self.locale: "Shopify"})[0]
        )
        self.attributes: dict[str, Attribute] = {}
        for column, (code, kind, localizable, _level) in [
            *ATTRIBUTES.items(),
            ("", (*GALLERY, False, "model")),
        ]:
            scopable = code == "description" and bool(self.channels)
            self.attributes[code] = self._attribute(code, kind, group, column, localizable, scopable)
        values: dict[str, dict[str, str]] = {}
        for product in self.products.values():
            for n, (code, _name) in enumerate(product.options, start=1):
                for number, row in product.variants:
                    value = row.get(f"Option{n} Value", "")
                    if not value:
                        self._refuse(
                            number,
                            f"Option{n} Value",
                            _("{option} has no value").format(option=product.options[n - 1][1]),
                            row.get("Variant SKU", ""),
                        )
                    elif slug(value):
                        values.setdefault(code, {})[slug(value)] = value
        names = {code: name for p in self.products.values() for code, name in p.options}
        for code, name in names.items():
            self.attributes[code] = self._attribute(code, T.SELECT, group, name, False, False, label=name)
            known = set(self.attributes[code].options.values_list("code", flat=True))
            for option, label in values.get(code, {}).items():
                if option in known:
                    continue  # labels given in Noel stay
                setup.attribute_option_save(
                    actor=self.actor,
                    attribute=self.attributes[code],
                    code=option,
                    labels={self.locale: label},
                )
        current = Family.objects.filter(code=FAMILY).first()
        kept = (
            list(current.attributes.exclude(pk__in=[a.pk for a in self.attributes.values()]))
            if current
            else []
        )
        family, _outcome = setup.family_save(
            actor=self.actor,
            code=FAMILY,
            labels=current.labels if current else {self.locale: "Shopify"},
            attributes=[*self.attributes.values(), *kept],
            label_attribute=self.attributes["name"],
            image_attribute=self.attributes["image"],
        )
        self.variants = {}
        variant_level = [
            self.attributes[code] for code, _k, _l, level in ATTRIBUTES.values() if level == "variant"
        ]
        for axes in {tuple(code for code, _name in p.options) for p in self.products.values() if p.options}:
            code = "_".join((FAMILY, *axes))[:100]
            self.variants[axes] = setup.family_variant_save(
                actor=self.actor,
                code=code,
                family=family,
                labels={self.locale: ", ".join(names[a] for a in axes)},
                axes=[self.attributes[a] for a in axes],
                variant_attributes=variant_level,
            )[0]

    def _attribute(
        self,
        code: str,
        kind: str,
        group: AttributeGroup,
        column: str,
        localizable: bool,
        scopable: bool,
        label: str = "",
    ) -> Attribute:
        current = Attribute.objects.filter(code=code).first()
        if current is not None:
            if current.type != kind:
                raise ImportRejected(
                    [
                        RowError(
                            1,
                            self.name(column),
                            _(
                                "Noel's attribute {code} is a {type}, not the {expected} this column needs"
                            ).format(code=code, type=current.type, expected=kind),
                        )
                    ]
                )
            return current
        fields: dict[str, Any] = {
            "group": group,
            "labels": {self.locale: label or column or code},
            "localizable": localizable,
            "scopable": scopable,
            "decimals_allowed": True,
        }
        if kind == T.MEASUREMENT:
            family = MeasurementFamily.objects.filter(code__iexact="weight").first()
            if family is None:
                standard, units = UNITS["weight"]
                family = setup.measurement_family_save(
                    actor=self.actor, code="Weight", standard_unit=standard, units=units
                )[0]
            fields.update(measurement_family=family, default_unit="GRAM")
        return setup.attribute_save(actor=self.actor, code=code, type=kind, fields=fields)[0]

    # -- products → flat rows ------------------------------------------------------------------------------
    def flat_rows(self) -> Iterable[tuple[int, dict[str, str]]]:
        for product in self.products.values():
            model = self._model_cells(product)
            if not product.options:
                number, row = product.variants[0] if product.variants else (product.row, product.cells)
                sku = row.get("Variant SKU") or product.handle
                if not self._stock(number, sku, row):
                    continue
                self._pictures(sku, product, row)
                yield number, {**model, **self._variant_cells(row), "sku": sku}
                for extra, _row in product.variants[1:]:
                    reason = _("a second variant of {handle} without options").format(handle=product.handle)
                    self._refuse(extra, "Option1 Value", reason)
                continue
            axes = tuple(code for code, _name in product.options)
            self._pictures(product.handle, product, None)
            yield product.row, {**model, "sku": product.handle, "family_variant": self.variants[axes].code}
            for number, row in product.variants:
                cells = self._variant_cells(row)
                for n, (code, _name) in enumerate(product.options, start=1):
                    cells[code] = slug(row.get(f"Option{n} Value", ""))
                values = "-".join(cells[code] for code in axes)
                cells["sku"] = row.get("Variant SKU") or f"{product.handle}-{values}"
                if not self._stock(number, cells["sku"], row):
                    continue
                cells.update(parent=product.handle, family=FAMILY, enabled=model["enabled"])
                self._pictures(cells["sku"], None, row)
                yield number, cells

    def _stock(self, number: int, sku: str, row: dict[str, str]) -> bool:
        """Keep the row's count for the location; False when the count is refused (so is the row). A
        variant whose Tracker is empty is not tracked by Shopify: its count means nothing."""
        if not self.report.stock_location or QTY not in row:
            return True
        if TRACKER in row and not row[TRACKER]:
            self.untracked.append(number)
            return True
        text = row[QTY]
        if not text:
            return True
        try:
            quantity = int(text)
        except ValueError:
            self._refuse(number, QTY, _("{value!r} is not a whole number").format(value=text), sku, text)
            return False
        if quantity < 0:
            reason = _("{quantity} on hand: oversold in Shopify; Noel counts what is on the shelf")
            reason = reason.format(quantity=quantity)
            self._refuse(number, QTY, reason, sku, text)
            return False
        self.counts.append((number, sku, quantity))
        return True

    def count_stock(self) -> None:
        """Set the counts of the rows that were imported, in the import's transaction."""
        self.report.stock_untracked = len([n for n in self.untracked if n not in self.refused])
        counts = [(n, sku, q) for n, sku, q in self.counts if n not in self.refused]
        if not counts:
            return
        try:
            self.report.stock_changed = stock_count(
                actor=self.actor,
                location=self.report.stock_location,
                counts=[(sku, quantity) for _n, sku, quantity in counts],
            )
        except BatchRejected as rejected:
            errors = [RowError(counts[e.index][0], self.name(QTY), e.message, e.sku) for e in rejected.errors]
            raise ImportRejected(errors, self.report.as_dict()) from rejected
        self.report.stock_counted = len(counts)

    def _pictures(self, sku: str, product: _Product | None, variant: dict[str, str] | None) -> None:
        """The DAM fetches each address once the import commits: the first picture is the main one, the
        others the gallery; a variant's own picture is its main one."""
        if product is not None:
            pictures = [url for _position, url in sorted(product.images)]
            self.pictures += [(sku, url, n == 0) for n, url in enumerate(pictures)]
        if variant is not None and variant.get("Variant Image"):
            self.pictures.append((sku, variant["Variant Image"], True))

    def _model_cells(self, product: _Product) -> dict[str, str]:
        row, loc = product.cells, self.locale
        status = row.get("Status", "").lower()
        published = row.get("Published", "").lower()
        enabled = status in ("", "active") and published in ("", "true", "1")
        cells = {"family": FAMILY, "enabled": "1" if enabled else "0"}
        # html5ever writes a no-break space back as &nbsp;: the text holds the character itself
        body = nh3.clean(row.get("Body (HTML)", "")).replace("&nbsp;", "\u00a0")
        if self.attributes["description"].scopable:
            for channel in self.channels:
                cells[f"description-{loc}-{channel.code}"] = (
                    plain(body) if channel.kind in PLAIN_KINDS else body
                )
        else:
            cells[f"description-{loc}"] = body
        for column in ("Title", "Vendor", "Type", "Tags", "SEO Title", "SEO Description"):
            code = ATTRIBUTES[column][0]
            cells[f"{code}-{loc}" if self.attributes[code].localizable else code] = row.get(column, "")
        pictures = [url for _position, url in sorted(product.images)]
        cells["image"] = pictures[0] if pictures else ""
        cells["images"] = "\n".join(pictures[1:])
        return cells

    def _variant_cells(self, row: dict[str, str]) -> dict[str, str]:
        return {
            f"price-{self.currency}": row.get("Variant Price", ""),
            f"compare_at_price-{self.currency}": row.get("Variant Compare At Price", ""),
            "weight": row.get("Variant Grams", ""),
            "weight-unit": "GRAM" if row.get("Variant Grams") else "",
            "variant_image": row.get("Variant Image", ""),
            "barcode": (barcode := row.get("Variant Barcode", "").lstrip("'")),
            "gtin": self._gtin(barcode, row.get("Variant SKU", "")),
        }

    def _gtin(self, barcode: str, sku: str) -> str:
        """A barcode that is a valid GTIN is the product's GTIN; an empty one empties it (Shopify holds
        none); one that is not a GTIN leaves the GTIN Noel holds (the quality check flags the barcode)."""
        if not barcode:
            return ""
        try:
            return gtin_check(barcode)
        except ValidationError:
            if self.held_gtins is None:
                self.held_gtins = dict(Product.objects.filter(gtin__isnull=False).values_list("sku", "gtin"))
            return self.held_gtins.get(sku, "")

    def column_of(self, flat_column: str) -> str:
        """The Shopify column a flat column came from, for errors."""
        code = flat_column.split("-", 1)[0]
        for column, (attribute, *_rest) in ATTRIBUTES.items():
            if attribute == code:
                return column
        for product in self.products.values():
            for n, (option, _name) in enumerate(product.options, start=1):
                if option == code:
                    return f"Option{n} Value"
        return self.columns.get(flat_column, flat_column)


def shopify_import(
    *,
    actor: User | None,
    handle: IO[bytes],
    name: str = "",
    skip_invalid: bool = False,
    dry_run: bool = False,
    progress: Progress | None = None,
    location: str = "",
) -> ImportReport:
    """Import a Shopify product CSV (see the module's doc); all or nothing unless `skip_invalid`."""
    if actor is not None and not all(
        actor.has_perm(p)
        for p in ("products.add_product", "products.change_product", "products.add_attribute")
    ):
        raise PermissionDenied(_("{user} may not import products").format(user=actor.get_username()))
    started = time.perf_counter()
    table = Table(handle, name)
    run = ShopifyImport(actor=actor, skip_invalid=skip_invalid, location=location)
    header = run.read_header(table.header)
    if location and (refusal := location_refusal(actor, location=location)):
        raise ImportRejected([RowError(1, run.name(QTY), refusal, value=location)])
    run.read(table, header)
    run.report.dry_run = dry_run
    try:
        with context.bound(origin=AuditLog.Source.IMPORT), transaction.atomic():
            try:
                run.set_up()
            except ImportRejected:
                raise
            except ValidationError as exc:
                raise ImportRejected([RowError(1, "", " ".join(exc.messages))]) from exc
            flat = _write_flat(run, name, progress)
            if run.pictures and not dry_run:
                media_fetch_later(actor=actor, links=run.pictures)
            run.report.created, run.report.updated = flat.created, flat.updated
            run.report.unchanged, run.report.pending = flat.unchanged, flat.pending
            run.report.seconds = time.perf_counter() - started
            if run.report.error_count and not skip_invalid:
                raise ImportRejected(sorted(run.report.errors, key=lambda e: e.row), run.report.as_dict())
            run.count_stock()
            if dry_run:
                raise DryRun
    except DryRun:
        pass
    return run.report


def _write_flat(run: ShopifyImport, name: str, progress: Progress | None) -> ImportReport:
    rows = list(run.flat_rows())
    columns = list(
        dict.fromkeys(["sku", "family", "parent", "family_variant", *(c for _n, r in rows for c in r)])
    )

    def write(writer: Any) -> None:
        writer.writerow(columns)
        for number, row in rows:
            writer.writerow([row.get(c, "") for c in columns])
            run.numbers.append(number)

    flat = flat_import(
        actor=run.actor,
        write=write,
        name=name,
        skip_invalid=run.skip_invalid,
        progress=progress,
        numbers=run.numbers,
    )
    for error in flat.errors:
        number = run.numbers[error.row - 1] if 0 < error.row <= len(run.numbers) else error.row
        run.refuse(dataclasses.replace(error, row=number, column=run.column_of(error.column)))
    return flat
