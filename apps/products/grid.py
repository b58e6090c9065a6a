"""The product list's reads and writes: the columns a person chose, the filters of the catalog's own
fields, and mass edit of one attribute value over a selection (each product through `product_update`,
so four eyes, teams, validation and versions apply exactly as in the product form)."""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.db.models.fields.json import KT
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.core.models import User
from apps.products import policies, selectors, services
from apps.products import values as vals
from apps.products.models import Attribute, ListColumns, Product

T = Attribute.Type

# What mass edit sets: one value shared by the whole selection. Unique attributes cannot hold one value for
# several products; prices, measurements and media have their own screens.
MASS_EDITABLE = (T.TEXT, T.TEXTAREA, T.NUMBER, T.BOOLEAN, T.DATE, T.SELECT, T.MULTISELECT)
MASS_EDIT_MAX = 200


# columns --------------------------------------------------------------------------------------------------


def list_columns_of(user: User) -> list[str] | None:
    """The column codes the person saved for the product list, or None (the default set)."""
    saved = ListColumns.objects.filter(user=user).values_list("columns", flat=True).first()
    return list(saved) if saved else None


def list_columns_save(*, user: User, columns: Sequence[str]) -> None:
    """Keep the person's choice of columns (an empty choice goes back to the default set)."""
    if columns:
        ListColumns.objects.update_or_create(user=user, defaults={"columns": list(columns)})
    else:
        ListColumns.objects.filter(user=user).delete()


# filters --------------------------------------------------------------------------------------------------


def products_of_brand(queryset: QuerySet[Product], brand: str) -> QuerySet[Product]:
    """Products whose brand (the `brand` attribute, unlocalised and unscoped) contains `brand`, any case."""
    return queryset.alias(brand_text=KT("values__brand__*__*")).filter(brand_text__icontains=brand.strip())


UPDATED_SINCE = {"1": 1, "7": 7, "30": 30, "365": 365}


def products_updated_since(queryset: QuerySet[Product], days: int) -> QuerySet[Product]:
    """Products changed in the last `days` days, counted from midnight today (Paris time) backwards."""
    today = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    return queryset.filter(updated_at__gte=today - datetime.timedelta(days=days - 1))


# mass edit ------------------------------------------------------------------------------------------------


def value_problem(attribute: Attribute, raw: str, options: set[str]) -> str | None:
    """Why `raw` cannot be the attribute's value, in the person's language, or None. Empty clears."""
    text = raw.strip()
    if not text:
        return None
    kind = attribute.type
    if kind == T.NUMBER:
        try:
            number = Decimal(text.replace(",", "."))
        except InvalidOperation:
            return _("“%(value)s” is not a number: type digits, such as 12 or 12.5.") % {"value": text}
        if not number.is_finite():
            return _("“%(value)s” is not a number: type digits, such as 12 or 12.5.") % {"value": text}
        if not attribute.decimals_allowed and number != number.to_integral_value():
            return _("%(attribute)s takes whole numbers only.") % {"attribute": attribute.label()}
        if attribute.min_value is not None and number < attribute.min_value:
            return _("%(value)s is below the minimum of %(attribute)s (%(limit)s).") % {
                "value": text, "attribute": attribute.label(), "limit": attribute.min_value.normalize(),
            }  # fmt: skip
        if attribute.max_value is not None and number > attribute.max_value:
            return _("%(value)s is above the maximum of %(attribute)s (%(limit)s).") % {
                "value": text, "attribute": attribute.label(), "limit": attribute.max_value.normalize(),
            }  # fmt: skip
        if not attribute.negative_allowed and number < 0:
            return _("%(attribute)s cannot be negative.") % {"attribute": attribute.label()}
    elif kind == T.BOOLEAN:
        if text.lower() not in ("1", "0", "yes", "no", "oui", "non", "true", "false"):
            return _("“%(value)s” is not yes or no: type yes, no, oui or non.") % {"value": text}
    elif kind == T.DATE:
        try:
            datetime.date.fromisoformat(text)
        except ValueError:
            return _("“%(value)s” is not a date: type it as YYYY-MM-DD, such as 2026-12-24.") % {
                "value": text
            }
    elif kind in (T.SELECT, T.MULTISELECT):
        codes = [c.strip() for c in text.split(",") if c.strip()] if kind == T.MULTISELECT else [text]
        unknown = [c for c in codes if c not in options]
        if unknown:
            return _("%(codes)s: not an option of %(attribute)s (its options: %(options)s).") % {
                "codes": ", ".join(unknown), "attribute": attribute.label(),
                "options": ", ".join(sorted(options)) or "—",
            }  # fmt: skip
    else:
        if kind == T.TEXT and ("\n" in text or "\r" in text):
            return _("A single-line text cannot contain a line break.")
        limit = vals.text_limit(attribute)
        if limit and len(text) > limit:
            return _("%(count)d characters, more than the %(limit)d %(attribute)s allows.") % {
                "count": len(text), "limit": limit, "attribute": attribute.label(),
            }  # fmt: skip
        if attribute.regex and not re.fullmatch(attribute.regex, text):
            return _("“%(value)s” does not have the form %(attribute)s requires (%(pattern)s).") % {
                "value": text, "attribute": attribute.label(), "pattern": attribute.regex,
            }  # fmt: skip
    return None


def stored_value(attribute: Attribute, raw: str) -> Any:
    """The typed text as the service takes it (None clears; a multi-select's codes as a list)."""
    text = raw.strip() if attribute.type != T.TEXTAREA else raw
    if not text.strip():
        return None
    if attribute.type == T.MULTISELECT:
        return [c.strip() for c in text.split(",") if c.strip()]
    if attribute.type == T.NUMBER:
        return text.replace(",", ".")
    return text


@dataclass(frozen=True)
class MassEdit:
    """One value for one attribute (in one locale and channel, "*" for none) over a selection."""

    attribute: Attribute
    locale: str
    channel: str
    value: Any  # as `stored_value` gives it

    def changes(self) -> dict[str, Any]:
        return {"values": {self.attribute.code: {self.locale: {self.channel: self.value}}}}


@dataclass
class Row:
    """A product of the selection: what it holds, what it would hold, and what happens (or happened)."""

    product: Product
    version: int
    current: str
    outcome: str  # "change", "pending", "same", "refused" (and, once applied, "done")
    message: str = ""


@dataclass
class MassEditOutcome:
    rows: list[Row] = field(default_factory=list)

    def count(self, outcome: str) -> int:
        return sum(1 for row in self.rows if row.outcome == outcome)

    @property
    def refused(self) -> list[Row]:
        return [row for row in self.rows if row.outcome == "refused"]


def _refusal(product: Product, exc: Exception) -> str:
    """A service's refusal of one product, said in the person's language with what it names."""
    if isinstance(exc, services.VersionConflict):
        pending = exc.changed
        return _(
            "%(sku)s was changed by someone else since your preview (version %(expected)s, now %(now)s: "
            "%(fields)s): nothing was written to it. Preview again to see their change."
        ) % {
            "sku": product.sku, "expected": exc.expected, "now": exc.product.version,
            "fields": ", ".join(sorted(pending)) or "—",
        }  # fmt: skip
    if isinstance(exc, vals.ProductValidationError):
        reasons = "; ".join(
            f"{i.attribute}" + (f" ({i.locale})" if i.locale != vals.ANY else "") + f": {i.reason}"
            for i in exc.issues
        )
        return _("%(sku)s refuses the value: %(reasons)s") % {"sku": product.sku, "reasons": reasons}
    messages = getattr(exc, "messages", None) or [str(exc)]
    return _("%(sku)s was not changed: %(reason)s") % {"sku": product.sku, "reason": " ".join(messages)}


def _attribute_refusal(product: Product, edit: MassEdit, known: dict[int, set[str]]) -> str | None:
    """Why the product cannot hold the attribute (its family lacks it, or its model holds it), or None."""
    if product.parent_id is None and product.family_variant_id is None:
        if product.family_id not in known:
            known[product.family_id] = services.allowed_attributes(product)
        allowed = known[product.family_id]
    else:
        allowed = services.allowed_attributes(product)
    if edit.attribute.code in allowed:
        return None
    message = _("%(sku)s: its family %(family)s has no attribute %(attribute)s here (or its model holds it).")
    return message % {"sku": product.sku, "family": product.family.code, "attribute": edit.attribute.code}


def _current(product: Product, edit: MassEdit) -> Any:
    shown = services.product_proposed(product) if product.status == Product.Status.APPROVED else product
    return vals.value_of(shown.values, edit.attribute.code, edit.locale, edit.channel)


def mass_edit_preview(
    *, actor: User, products: Iterable[Product], edit: MassEdit, catalog: vals.Catalog | None = None
) -> MassEditOutcome:
    """What mass edit would do to each product, nothing written: another team's product, an attribute
    its family (or its level of a model) does not hold and any refusal of the service's own checks are
    said per product; the others will change, or become a pending change when approved (four eyes)."""
    catalog = catalog or vals.Catalog.load()
    products = list(products)
    outside = {p.pk for p in policies.products_outside(actor, products)}
    outcome = MassEditOutcome()
    allowed_by_family: dict[int, set[str]] = {}
    for product in products:
        row = Row(product=product, version=product.version, current="—", outcome="change")
        outcome.rows.append(row)
        if not actor.has_perm("products.change_product") or product.pk in outside:
            row.outcome = "refused"
            row.message = (
                policies.outside_message(actor, product.sku)
                if product.pk in outside
                else _("%(sku)s: you may not change products.") % {"sku": product.sku}
            )
            continue
        if refusal := _attribute_refusal(product, edit, allowed_by_family):
            row.outcome, row.message = "refused", refusal
            continue
        current = _current(product, edit)
        row.current = selectors.display_value(current)
        if current == edit.value or (vals.is_empty(current) and vals.is_empty(edit.value)):
            row.outcome = "same"
            continue
        try:
            services.product_check(product=product, changes=edit.changes(), catalog=catalog, actor=actor)
        except (ValidationError, PermissionDenied) as exc:
            row.outcome, row.message = "refused", _refusal(product, exc)
            continue
        if product.status == Product.Status.APPROVED:
            row.outcome = "pending"
    return outcome


def products_values_edit(
    *, actor: User, versions: dict[int, int], edit: MassEdit, catalog: vals.Catalog | None = None
) -> MassEditOutcome:
    """Set one value on each product of `versions` (id → the version the person previewed), each in its
    own transaction through `product_update`: an approved product gets a pending change (four eyes), a
    product changed since the preview is refused (never overwritten), and one refusal holds back that
    product only."""
    catalog = catalog or vals.Catalog.load()
    products = (
        Product.objects.filter(pk__in=list(versions)).select_related("family", "parent").order_by("sku")
    )
    outcome = MassEditOutcome()
    allowed_by_family: dict[int, set[str]] = {}
    for product in products:
        row = Row(product=product, version=versions[product.pk], current="", outcome="done")
        outcome.rows.append(row)
        if not actor.has_perm("products.change_product"):
            row.outcome = "refused"
            row.message = _("%(sku)s: you may not change products.") % {"sku": product.sku}
            continue
        if refusal := _attribute_refusal(product, edit, allowed_by_family):
            row.outcome, row.message = "refused", refusal
            continue
        try:
            saved = services.product_update(
                actor=actor,
                product=product,
                expected_version=row.version,
                changes=edit.changes(),
                catalog=catalog,
            )
        except (ValidationError, PermissionDenied) as exc:
            row.outcome, row.message = "refused", _refusal(product, exc)
            continue
        if saved.version == row.version:
            row.outcome = "same"
        elif saved.status == Product.Status.APPROVED:
            row.outcome = "pending"
    return outcome
