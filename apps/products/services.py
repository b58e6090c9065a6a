"""Writes to the catalog. Each is atomic, validated against the family, versioned (pghistory, with who and
through which path), audited, recomputes completeness, and announces the change after commit."""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from datetime import date
from typing import Any

import orjson
import pghistory
import psycopg
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext
from stdnum import ean

from apps.core import context, events
from apps.core.models import Channel, User
from apps.core.services import audit_record
from apps.products import policies, selectors
from apps.products import values as vals
from apps.products.events import ProductsChanged
from apps.products.models import (
    SKU_MESSAGE,
    SKU_PATTERN,
    AssociationType,
    Attribute,
    Category,
    CompletenessSnapshot,
    Family,
    FamilyRequirement,
    FamilyVariant,
    PendingChange,
    Product,
    ProductReview,
    UniqueValue,
)

S = Product.Status
RESTRICTED_GTIN_PREFIXES = (
    "02",
    "04",
    "20",
    "21",
    "22",
    "23",
    "24",
    "25",
    "26",
    "27",
    "28",
    "29",
    "98",
    "99",
)


# One encoder for every comparison key: json.dumps(…, sort_keys=True) builds a new encoder per call, a
# noticeable share of an import's validation when every row holds a unique value.
canonical_json = json.JSONEncoder(sort_keys=True).encode


class VersionConflict(ValidationError):
    """Someone saved the product after the caller read it; nothing was written."""

    def __init__(self, product: Product, expected: int, changed: dict[str, list[Any]]):
        self.product, self.expected, self.changed = product, expected, changed
        pending = PendingChange.objects.select_related("author").filter(product=product).first()
        author = pending.author if pending is not None else product.updated_by
        who = author.get_username() if author else "someone"
        fields = ", ".join(sorted(changed)) or "its data"
        super().__init__(
            f"{product.sku} was changed by {who} since you opened it (your version {expected}, now "
            f"{product.version}): {fields}. Your input was kept; review their change and save again.",
            code="version_conflict",
        )


def _history(actor: User | None):
    """Tag the pghistory events of this transaction with who and through which path."""
    return pghistory.context(
        user=actor.pk if actor else None,
        username=actor.get_username() if actor else "system",
        source=context.source.get(),
        request_id=context.request_id.get(),
    )


def gtin_check(gtin: str) -> str:
    """A GTIN-8/12/13/14 with a valid check digit and no restricted (in-store, coupon) prefix."""
    digits = gtin.strip()
    if not digits.isdigit() or len(digits) not in (8, 12, 13, 14):
        raise ValidationError({"gtin": f"GTIN {gtin!r} must be 8, 12, 13 or 14 digits"})
    if not ean.is_valid(digits):
        raise ValidationError({"gtin": f"GTIN {gtin!r} has a wrong check digit"})
    as13 = digits.zfill(14)[1:] if len(digits) == 14 else digits.zfill(13)
    if len(digits) != 8 and as13.startswith(RESTRICTED_GTIN_PREFIXES):
        raise ValidationError(
            {"gtin": f"GTIN {gtin!r} uses a restricted prefix (in-store or coupon numbers)"}
        )
    return digits


def level_of(product: Product) -> int:
    """0 for a product or root model, 1 under a model, 2 under a sub-model."""
    level, node = 0, product
    while node.parent is not None:
        level, node = level + 1, node.parent
    return level


def family_variant_of(product: Product) -> FamilyVariant | None:
    """The family variant of a product's root model (sub-models and variants have none of their own)."""
    node = product
    while node.parent is not None:
        node = node.parent
    return node.family_variant


def level_codes(variant: FamilyVariant) -> tuple[set[str], set[str]]:
    """Attribute codes set on level 1 and on level 2 (axes included)."""
    first = {a.code for a in variant.axes.all()} | {a.code for a in variant.variant_attributes.all()}
    second = {a.code for a in variant.sub_axes.all()} | {a.code for a in variant.sub_attributes.all()}
    return first, second


def allowed_attributes(product: Product) -> set[str]:
    """Codes a product may hold itself: the family's, split between the model and its levels."""
    family_codes = {a.code for a in product.family.attributes.all()}
    variant = family_variant_of(product)
    if variant is None:
        return family_codes
    first, second = level_codes(variant)
    return (family_codes - first - second, first & family_codes, second & family_codes)[
        min(level_of(product), 2)
    ]


def effective_values(product: Product) -> dict[str, Any]:
    """What a variant shows: its model's values (and sub-model's) with its own over them."""
    if product.parent is not None:
        return vals.merge(effective_values(product.parent), product.values)
    return dict(product.values)


def _with_descendants(product: Product) -> list[Product]:
    """A model with its sub-models and variants, whose completeness follows its values."""
    below = Product.objects.filter(Q(parent=product) | Q(parent__parent=product)).select_related(
        "parent__parent"
    )
    return [product, *below]


def _search_text(product: Product, values: Mapping[str, Any]) -> str:
    texts = [product.sku, product.gtin or ""]
    label = product.family.label_attribute.code if product.family.label_attribute_id else "name"
    for by_locale in (values.get(label) or {}).values():
        texts.extend(str(v) for v in by_locale.values())
    return " ".join(t for t in texts if t).lower()


class _Lookups:
    """What validation asks the database, one question at a time: right for single writes."""

    def gtin_owner(self, product: Product) -> str | None:
        return (
            Product.objects.filter(gtin=product.gtin)
            .exclude(pk=product.pk)
            .values_list("sku", flat=True)
            .first()
        )

    def unknown_categories(self, codes: Iterable[str]) -> set[str]:
        codes = set(codes)
        return codes - set(Category.objects.filter(code__in=codes).values_list("code", flat=True))

    def allowed(self, product: Product) -> set[str]:
        return allowed_attributes(product)

    def axes(self, variant: FamilyVariant, level: int) -> list[str]:
        axes = variant.axes if level == 1 else variant.sub_axes
        return list(axes.order_by("code").values_list("code", flat=True))

    def unique_owner(self, product: Product, code: str, locale: str, channel: str, value: Any) -> str | None:
        return (
            UniqueValue.objects.filter(attribute__code=code, locale=locale, channel=channel, value=value)
            .exclude(product_id=product.pk)
            .values_list("product__sku", flat=True)
            .first()
        )

    def sibling(self, product: Product) -> str | None:
        return (
            Product.objects.filter(parent_id=product.parent_id, axis_key=product.axis_key)
            .exclude(pk=product.pk)
            .values_list("sku", flat=True)
            .first()
        )

    def register(self, product: Product) -> None:
        """Remember a row that passed, so later rows of the same batch are checked against it."""


class _BatchLookups(_Lookups):
    """The same answers for a whole batch, from a few set-based queries, kept current as rows pass."""

    def __init__(
        self,
        gtins: Iterable[str],
        parent_skus: Iterable[str],
        catalog: vals.Catalog,
        categories: set[str] | None = None,  # the category codes, when the caller holds them already
    ):
        self.catalog = catalog
        self.gtins = dict(Product.objects.filter(gtin__in=[g for g in gtins if g]).values_list("gtin", "sku"))
        if categories is None:
            categories = set(Category.objects.values_list("code", flat=True))
        self.categories = categories
        self.siblings = {
            (parent, key): sku
            for parent, key, sku in Product.objects.filter(parent__sku__in=set(parent_skus)).values_list(
                "parent__sku", "axis_key", "sku"
            )
        }
        self.uniques: dict[str, dict[tuple[str, str, str], str]] = {}
        self.allowed_cache: dict[tuple, set[str]] = {}
        self.axes_cache: dict[tuple[int, int], list[str]] = {}

    def gtin_owner(self, product: Product) -> str | None:
        return self.gtins.get(product.gtin)

    def unknown_categories(self, codes: Iterable[str]) -> set[str]:
        return set(codes) - self.categories

    def allowed(self, product: Product) -> set[str]:
        variant = family_variant_of(product)
        key = (product.family.code, variant.code if variant else None, level_of(product))
        if key not in self.allowed_cache:
            self.allowed_cache[key] = allowed_attributes(product)
        return self.allowed_cache[key]

    def axes(self, variant: FamilyVariant, level: int) -> list[str]:
        if (variant.pk, level) not in self.axes_cache:
            self.axes_cache[(variant.pk, level)] = super().axes(variant, level)
        return self.axes_cache[(variant.pk, level)]

    def _unique_values(self, code: str) -> dict[tuple[str, str, str], str]:
        if code not in self.uniques:
            held = UniqueValue.objects.filter(attribute__code=code).values_list(
                "locale", "channel", "value", "product__sku"
            )
            self.uniques[code] = {
                (locale, channel, canonical_json(value)): sku for locale, channel, value, sku in held
            }
        return self.uniques[code]

    def unique_owner(self, product: Product, code: str, locale: str, channel: str, value: Any) -> str | None:
        return self._unique_values(code).get((locale, channel, canonical_json(value)))

    def sibling(self, product: Product) -> str | None:
        return self.siblings.get((product.parent.sku, product.axis_key))

    def register(self, product: Product) -> None:
        if product.gtin:
            self.gtins[product.gtin] = product.sku
        if product.parent is not None:
            self.siblings[(product.parent.sku, product.axis_key)] = product.sku
        for code in self.catalog.unique_codes.intersection(product.values):
            for locale, by_channel in product.values[code].items():
                for channel, value in by_channel.items():
                    self._unique_values(code)[(locale, channel, canonical_json(value))] = product.sku


def _validate(
    product: Product,
    raw_values: Mapping[str, Any],
    catalog: vals.Catalog,
    lookups: _Lookups | None = None,
    *,
    cleaned: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Every rule at once; raises ProductValidationError or ValidationError naming what is wrong.

    `cleaned`: the values already in their stored form, checked by `vals.clean_values`' rules (an import's
    new products, see `ProductImporter._fresh_values`); `raw_values` are then not read."""
    lookups = lookups or _Lookups()
    errors: dict[str, list[str]] = {}
    if product.gtin:
        try:
            product.gtin = gtin_check(product.gtin)
        except ValidationError as exc:
            errors.update(exc.message_dict)
        else:
            clash = lookups.gtin_owner(product)
            if clash:
                errors["gtin"] = [f"GTIN {product.gtin} is already used by {clash}"]
    else:
        product.gtin = None
    if product.parent is not None:
        parent = product.parent
        variant = family_variant_of(product)
        two_levels = variant is not None and variant.sub_axes.exists()
        if not parent.is_model:
            errors["parent"] = [f"{parent.sku} is not a product model and cannot have variants"]
        elif parent.family_id != product.family_id:
            errors["parent"] = [f"{parent.sku} is of family {parent.family.code}, not {product.family.code}"]
        elif level_of(product) == 1 and two_levels and not product.is_model:
            errors["is_model"] = [f"{variant.code} has two levels: under {parent.sku} come sub-models"]
        if product.is_model and (level_of(product) > 1 or not two_levels):
            errors["is_model"] = ["a variant cannot itself be a product model"]
        if product.family_variant_id:
            errors["family_variant"] = ["sub-models and variants take their model's family variant"]
    elif product.is_model and not product.family_variant_id:
        errors["family_variant"] = ["a product model needs a family variant that names its axes"]
    if product.family_variant_id and product.family_variant.family_id != product.family_id:
        errors["family_variant"] = [f"{product.family_variant.code} belongs to another family"]
    unknown_categories = lookups.unknown_categories(product.categories)
    if unknown_categories:
        errors["categories"] = [f"unknown category code(s): {', '.join(sorted(unknown_categories))}"]
    product.categories = sorted(set(product.categories))
    if errors:
        raise ValidationError({f: [f"{product.sku}: {m}" for m in msgs] for f, msgs in errors.items()})

    issues: list[vals.ValueIssue] = []
    if cleaned is None:
        cleaned, issues = vals.clean_values(
            raw_values, allowed=lookups.allowed(product), catalog=catalog, sku=product.sku
        )
    issues += _unique_issues(product, cleaned, catalog, lookups)
    if product.parent is not None:
        issues += _axis_issues(product, cleaned, lookups)
    if issues:
        raise vals.ProductValidationError(issues)
    return cleaned


def _unique_issues(
    product: Product, cleaned: Mapping[str, Any], catalog: vals.Catalog, lookups: _Lookups
) -> list[vals.ValueIssue]:
    issues = []
    for code, by_locale in cleaned.items():
        if not catalog.attributes[code].unique:
            continue
        for locale, by_channel in by_locale.items():
            for channel, value in by_channel.items():
                other = lookups.unique_owner(product, code, locale, channel, value)
                if other and other != product.sku:
                    issues.append(unique_issue(product, code, locale, channel, value, other))
    return issues


def unique_issue(
    product: Product, code: str, locale: str, channel: str, value: Any, other: str
) -> vals.ValueIssue:
    return vals.ValueIssue(code, f"{value!r} is already used by {other}", locale, channel, product.sku)


def _axis_issues(product: Product, cleaned: Mapping[str, Any], lookups: _Lookups) -> list[vals.ValueIssue]:
    axes = lookups.axes(family_variant_of(product), level_of(product))
    issues, key = [], []
    for axis in axes:
        value = vals.value_of(cleaned, axis)
        if value is None:
            issues.append(vals.ValueIssue(axis, "a variant must have a value for each axis", sku=product.sku))
        key.append(f"{axis}={value}")
    product.axis_key = "|".join(key)
    sibling = lookups.sibling(product)
    if sibling and sibling != product.sku and not issues:
        issues.append(
            vals.ValueIssue(
                axes[0],
                f"{sibling} already has {product.axis_key} under {product.parent.sku}",
                sku=product.sku,
            )
        )
    return issues


def _after_write(
    products: Sequence[Product],
    *,
    actor: User | None,
    action: str,
    diffs: Mapping[str, Any],
    happened: str = "changed",
) -> None:
    completeness_compute(products)
    for product in products:
        audit_record(
            actor=actor,
            action=action,
            object_type="product",
            object_code=product.sku,
            diff=diffs.get(product.sku, {}),
        )
    events.publish(
        ProductsChanged(skus=tuple(p.sku for p in products), source=context.source.get(), action=happened)
    )


def _check_team(
    actor: User | None,
    *,
    sku: str,
    before: Iterable[str] | None,
    after: Iterable[str],
    parent: Product | None,
) -> None:
    """The product policy's word on the categories a write gives a product (policies.categories_refusal)."""
    refusal = policies.categories_refusal(actor, sku=sku, before=before, after=after, parent=parent)
    if refusal:
        raise ValidationError({"categories": [refusal]})


_SKU = re.compile(SKU_PATTERN)


def sku_problem(sku: str) -> str | None:
    """Why a SKU is refused (outside the alphabet of `SKU_PATTERN`), or None."""
    return None if _SKU.match(sku) else str(SKU_MESSAGE)


def _check_sku_free(sku: str, but: Product | None = None) -> None:
    """SKUs are unique whatever their case: TOY-1 and toy-1 would be the same item to a channel."""
    others = Product.objects.filter(sku__iexact=sku)
    if but is not None:
        others = others.exclude(pk=but.pk)
    if others.exists():
        raise ValidationError({"sku": f"SKU {sku} already exists"})


@transaction.atomic
def product_create(
    *,
    actor: User | None,
    sku: str,
    family: Family,
    values: Mapping[str, Any] | None = None,
    categories: Iterable[str] = (),
    parent: Product | None = None,
    family_variant: FamilyVariant | None = None,
    is_model: bool = False,
    gtin: str | None = None,
    enabled: bool = True,
    associations: Mapping[str, list[str]] | None = None,
    catalog: vals.Catalog | None = None,
) -> Product:
    catalog = catalog or vals.Catalog.load()
    sku = sku.strip()
    categories = list(categories)
    _check_team(actor, sku=sku, before=None, after=categories, parent=parent)
    _check_sku_free(sku)
    product = Product(
        sku=sku,
        family=family,
        parent=parent,
        family_variant=family_variant,
        is_model=is_model,
        gtin=gtin,
        enabled=enabled,
        categories=list(categories),
        updated_by=actor,
        contributors=[actor.pk] if actor is not None else [],
    )
    try:
        product.full_clean(
            exclude=["values", "family", "parent", "family_variant", "gtin", "categories", "associations"]
        )
    except ValidationError as exc:
        raise ValidationError(
            {f: [f"{sku}: {m}" for m in msgs] for f, msgs in exc.message_dict.items()}
        ) from exc
    product.values = _validate(product, values or {}, catalog)
    product.associations = _clean_associations(product, associations or {})
    product.search_text = _search_text(product, effective_values(product))
    with _history(actor):
        product.save()
    _after_write(
        [product],
        actor=actor,
        action="product.create",
        diffs={sku: selectors.state_changes({}, selectors.product_state(product))},
        happened="created",
    )
    return product


def _clean_associations(product: Product, associations: Mapping[str, list[str]]) -> dict[str, list[str]]:
    types = set(AssociationType.objects.values_list("code", flat=True))
    wanted = {t: sorted({s.strip() for s in skus if s.strip()}) for t, skus in associations.items()}
    problems = [f"unknown association type {t}" for t in wanted if t not in types]
    every = {s for skus in wanted.values() for s in skus}
    known = set(Product.objects.filter(sku__in=every).values_list("sku", flat=True))
    problems += [f"associated product {s} does not exist" for s in sorted(every - known)]
    problems += [
        f"a product cannot be associated with itself ({t})" for t, s in wanted.items() if product.sku in s
    ]
    if problems:
        raise ValidationError({"associations": [f"{product.sku}: {p}" for p in problems]})
    return {t: s for t, s in sorted(wanted.items()) if s}


def _apply(product: Product, changes: Mapping[str, Any], catalog: vals.Catalog) -> None:
    """Set the requested fields on `product` (validated); `values` is merged per attribute."""
    if "sku" in changes and changes["sku"] != product.sku:
        if product.status in (S.APPROVED, S.RETIRED) or product.reviews.filter(action="approve").exists():
            raise ValidationError(
                {"sku": f"{product.sku}: the SKU cannot change once the product was approved"}
            )
        if problem := sku_problem(changes["sku"]):
            raise ValidationError({"sku": f"{changes['sku']}: {problem}"})
        _check_sku_free(changes["sku"], but=product)
        product.sku = changes["sku"]
    for field in ("gtin", "enabled", "categories"):
        if field in changes:
            setattr(product, field, changes[field])
    if "family" in changes:
        product.family = changes["family"]
    new_values = dict(product.values)
    for code, by_locale in (changes.get("values") or {}).items():
        merged = {loc: dict(ch) for loc, ch in (new_values.get(code) or {}).items()}
        for locale, by_channel in (by_locale or {}).items():
            merged.setdefault(locale, {}).update(by_channel or {})
        new_values[code] = merged
    product.values = _validate(product, new_values, catalog)
    if "associations" in changes:
        product.associations = _clean_associations(product, changes["associations"] or {})


@transaction.atomic
def product_update(
    *,
    actor: User | None,
    product: Product,
    expected_version: int,
    changes: Mapping[str, Any],
    catalog: vals.Catalog | None = None,
) -> Product:
    """Change a product. Stale versions are refused (VersionConflict); an approved product gets a
    pending change that must be approved, while its live data keeps serving; a product in review goes back
    to draft (as a pending change goes back to not submitted)."""
    catalog = catalog or vals.Catalog.load()
    locked = (
        Product.objects.select_for_update(of=("self",))
        .select_related("family", "updated_by")
        .get(pk=product.pk)
    )
    if locked.version != expected_version:
        raise VersionConflict(locked, expected_version, product_changes_since(locked, expected_version))
    _check_team(
        actor, sku=locked.sku, before=locked.categories, after=changes.get("categories", locked.categories),
        parent=locked.parent,
    )  # fmt: skip
    if locked.status == S.APPROVED:
        return _propose(actor, locked, changes, catalog)
    before = selectors.product_state(locked)
    _apply(locked, changes, catalog)
    after = selectors.product_state(locked)
    changed = selectors.state_changes(before, after)
    if not changed:
        return locked
    locked.version += 1
    locked.updated_by = actor
    _contributed(locked, actor)
    if locked.status == S.IN_REVIEW:  # what was submitted changed: it must be submitted again
        locked.status = S.DRAFT
    locked.search_text = _search_text(locked, effective_values(locked))
    with _history(actor):
        locked.save()
    dependants = _with_descendants(locked)
    _after_write(dependants, actor=actor, action="product.update", diffs={locked.sku: changed})
    return locked


def _propose(
    actor: User | None, product: Product, changes: Mapping[str, Any], catalog: vals.Catalog
) -> Product:
    """Validate the change against a copy, then keep it as the product's pending change. The product's
    version moves with it, as with any other write: whoever read the version before is refused."""
    pending = PendingChange.objects.filter(product=product).first()
    proposal = dict(pending.changes) if pending else {}
    trial = Product.objects.select_related("family").get(pk=product.pk)
    before = selectors.product_state(product_proposed(product))
    _apply(trial, {**_decode(proposal), **changes}, catalog)
    if not selectors.state_changes(before, selectors.product_state(trial)):
        return product
    serialisable = {k: v for k, v in changes.items() if k != "family"}
    if "family" in changes:
        serialisable["family"] = changes["family"].code
    if "values" in proposal and "values" in serialisable:
        serialisable["values"] = vals.merge(proposal["values"], serialisable["values"])
    proposal.update(serialisable)
    PendingChange.objects.update_or_create(
        product=product,
        defaults={"changes": proposal, "author": actor, "base_version": product.version, "submitted": False},
    )
    product.version += 1
    _contributed(product, actor)
    with _history(actor):
        Product.objects.filter(pk=product.pk).update(
            version=product.version, updated_at=timezone.now(), contributors=product.contributors
        )
    audit_record(
        actor=actor,
        action="product.propose",
        object_type="product",
        object_code=product.sku,
        diff=selectors.state_changes(selectors.product_state(product), selectors.product_state(trial)),
    )
    return product


def _decode(proposal: Mapping[str, Any]) -> dict[str, Any]:
    decoded = dict(proposal)
    if "family" in decoded:
        decoded["family"] = Family.objects.get(code=decoded["family"])
    return decoded


def product_proposed(product: Product) -> Product:
    """The product as its editors see it: an approved product with its pending change applied (a copy, not
    saved), any other product itself. The live data if the pending change no longer validates."""
    pending = PendingChange.objects.filter(product=product).first()
    if pending is None:
        return product
    trial = Product.objects.select_related("family").get(pk=product.pk)
    try:
        with transaction.atomic():
            _apply(trial, _decode(pending.changes), vals.Catalog.load())
    except (ValidationError, Family.DoesNotExist):
        return product
    return trial


def product_changes_since(product: Product, version: int) -> dict[str, list[Any]]:
    """What changed between `version` and the product as it is now, its pending change included (for
    conflict messages)."""
    event = product.events.filter(version=version).select_related("family").order_by("-pgh_id").first()
    if event is None:
        return {}
    before = selectors.product_state(event)
    return selectors.state_changes(before, selectors.product_state(product_proposed(product)))


def _review(product: Product, actor: User, action: str, comment: str = "") -> None:
    ProductReview.objects.create(product=product, actor=actor, action=action, comment=comment)
    audit_record(
        actor=actor,
        action=f"product.{action}",
        object_type="product",
        object_code=product.sku,
        diff={"comment": comment} if comment else {},
    )


def _check_product_team(product: Product, actor: User | None) -> None:
    """The product policy's word on a person working on this product (their category team), asked by each
    review service itself: a path that forgets to filter its list cannot reach another team's product."""
    if refusal := policies.product_refusal(actor, product):
        raise PermissionDenied(refusal)


@transaction.atomic
def product_submit(*, actor: User, product: Product) -> Product:
    """Ask for approval: a draft goes in review; an approved product's pending change is submitted."""
    product = Product.objects.select_for_update().get(pk=product.pk)
    _check_product_team(product, actor)
    pending = PendingChange.objects.filter(product=product).first()
    if product.status == S.DRAFT:
        _contributed(product, actor)
        with _history(actor):
            product.status = S.IN_REVIEW
            product.save(update_fields=["status", "contributors", "updated_at"])
    elif product.status == S.APPROVED and pending and not pending.submitted:
        pending.submitted = True
        pending.save(update_fields=["submitted", "updated_at"])
        _contribution_record(product, actor)
    else:
        raise ValidationError(
            f"{product.sku} is {product.get_status_display().lower()} with nothing to submit"
        )
    _review(product, actor, ProductReview.Action.SUBMIT)
    return product


def _contributed(product: Product, actor: User | None) -> None:
    """Count `actor` among the product's contributors (four eyes), on the instance about to be saved."""
    if actor is not None and actor.pk not in product.contributors:
        product.contributors = [*product.contributors, actor.pk]


def _contribution_record(product: Product, actor: User | None) -> None:
    """Count `actor` among the product's contributors at once, without a version (its pending change or
    its submission changed, not its data)."""
    if actor is None or actor.pk in product.contributors:
        return
    _contributed(product, actor)
    Product.objects.filter(pk=product.pk).update(contributors=product.contributors)


def _check_four_eyes(product: Product, approver: User, verb: str = "approve") -> None:
    """Nobody who contributed to what is decided (edited the product or its pending change since its last
    approval, by any path, or submitted it) may approve it or send it back; administrators neither. The
    refusal names the person and the reason, in their language."""
    with translation.override(approver.language or translation.get_language()):
        if not approver.has_perm("products.approve_product"):
            raise PermissionDenied(
                gettext("%(user)s may not approve products") % {"user": approver.get_username()}
            )
        if approver.pk not in product.contributors:
            return
        approved_at = (
            product.reviews.filter(action=ProductReview.Action.APPROVE)
            .values_list("created_at", flat=True)
            .first()
        )
        submissions = product.reviews.filter(action=ProductReview.Action.SUBMIT, actor_id=approver.pk)
        if approved_at is not None:
            submissions = submissions.filter(created_at__gt=approved_at)
        reason = "submitted" if submissions.exists() else "edited"
        refusal = {
            ("approve", "submitted"): gettext(
                "%(user)s may not approve %(sku)s: they submitted it; another approver must approve it"
            ),
            ("approve", "edited"): gettext(
                "%(user)s may not approve %(sku)s: they edited it since its last approval; another approver "
                "must approve it"
            ),
            ("reject", "submitted"): gettext(
                "%(user)s may not send back %(sku)s: they submitted it; another approver must decide"
            ),
            ("reject", "edited"): gettext(
                "%(user)s may not send back %(sku)s: they edited it since its last approval; another "
                "approver must decide"
            ),
        }[(verb, reason)]
        raise PermissionDenied(refusal % {"user": approver.get_username(), "sku": product.sku})


def product_approval_refusal(product: Product, actor: User) -> str | None:
    """Why `actor` may not approve the product (four eyes), in their language; None when they may. No query
    unless they contributed to it (the queue asks it for each product shown)."""
    try:
        _check_four_eyes(product, actor)
    except PermissionDenied as exc:
        return str(exc)
    return None


@transaction.atomic
def product_approve(*, actor: User, product: Product, comment: str = "") -> Product:
    product = Product.objects.select_for_update().select_related("family").get(pk=product.pk)
    _check_product_team(product, actor)
    pending = PendingChange.objects.filter(product=product, submitted=True).first()
    if product.status != S.IN_REVIEW and pending is None:
        raise ValidationError(f"{product.sku} is not waiting for approval")
    _check_four_eyes(product, actor)
    before = selectors.product_state(product)
    if pending is not None:
        _apply(product, _decode(pending.changes), vals.Catalog.load())
        product.version += 1
        pending.delete()
    product.status = S.APPROVED
    product.contributors = []  # a new review cycle starts
    product.search_text = _search_text(product, effective_values(product))
    with _history(actor):
        product.save()
    _review(product, actor, ProductReview.Action.APPROVE, comment)
    _after_write(
        _with_descendants(product),
        actor=actor,
        action="product.apply",
        diffs={product.sku: selectors.state_changes(before, selectors.product_state(product))},
        happened="approved",
    )
    return product


@transaction.atomic
def product_reject(*, actor: User, product: Product, comment: str) -> Product:
    if not comment.strip():
        raise ValidationError({"comment": "say why the product is sent back"})
    product = Product.objects.select_for_update().get(pk=product.pk)
    _check_product_team(product, actor)
    pending = PendingChange.objects.filter(product=product, submitted=True).first()
    if product.status == S.IN_REVIEW:
        _check_four_eyes(product, actor, "reject")
        with _history(actor):
            product.status = S.DRAFT
            product.save(update_fields=["status", "updated_at"])
    elif pending is not None:
        _check_four_eyes(product, actor, "reject")
        pending.submitted = False
        pending.save(update_fields=["submitted", "updated_at"])
    else:
        raise ValidationError(f"{product.sku} is not waiting for approval")
    _review(product, actor, ProductReview.Action.REJECT, comment)
    return product


@dataclass
class BulkOutcome:
    """What a review action over many products did: how many were done, and each refusal's reason."""

    done: int = 0
    refused: list[tuple[str, str]] = dataclasses.field(default_factory=list)  # (sku, reason)

    def top_reasons(self, count: int = 5) -> list[tuple[str, int]]:
        """The commonest reasons, the SKU taken out of each, with how many products each held back."""
        tally: dict[str, int] = {}
        for sku, reason in self.refused:
            key = reason.replace(sku, "…")
            tally[key] = tally.get(key, 0) + 1
        return sorted(tally.items(), key=lambda pair: (-pair[1], pair[0]))[:count]


def products_review_bulk(
    *,
    actor: User,
    products: Iterable[Product],
    review: Callable[..., Product],
    progress: Callable[[int], None] | None = None,
) -> BulkOutcome:
    """One review service (submit, approve, retire) over many products, each in its own transaction as
    a person clicking through them would: one refusal (four eyes, another team's product, nothing to
    submit) holds back that product only, and is said with its reason."""
    outcome = BulkOutcome()
    for number, product in enumerate(products, start=1):
        try:
            review(actor=actor, product=product)
            outcome.done += 1
        except (ValidationError, PermissionDenied) as exc:
            outcome.refused.append((product.sku, " ".join(getattr(exc, "messages", [str(exc)]))))
        if progress is not None:
            progress(number)
    return outcome


@transaction.atomic
def product_retire(*, actor: User, product: Product, comment: str = "") -> Product:
    product = Product.objects.select_for_update().get(pk=product.pk)
    _check_product_team(product, actor)
    with _history(actor):
        product.status = S.RETIRED
        product.save(update_fields=["status", "updated_at"])
    _review(product, actor, ProductReview.Action.RETIRE, comment)
    events.publish(ProductsChanged(skus=(product.sku,), source=context.source.get(), action="retired"))
    return product


@transaction.atomic
def product_revert(*, actor: User | None, product: Product, event_id: int) -> Product:
    """Bring back the data of a past version; the revert is itself a new version."""
    event = product.events.select_related("family").get(pgh_id=event_id)
    target = {
        field: getattr(event, field) for field in ("gtin", "enabled", "categories", "associations", "family")
    }
    current = Product.objects.get(pk=product.pk)
    cleared = {
        code: {loc: dict.fromkeys(ch) for loc, ch in by_loc.items()}
        for code, by_loc in current.values.items()
    }
    target["values"] = vals.merge(cleared, event.values)
    with context.bound(origin=context.source.get()):
        return product_update(actor=actor, product=current, expected_version=current.version, changes=target)


_COMPLETENESS_STAGE = """
CREATE TEMPORARY TABLE IF NOT EXISTS noel_completeness (
    product_id bigint, scores jsonb, incomplete varchar(201)[]
) ON COMMIT DROP
"""
_COMPLETENESS_COLUMNS = "product_id, scores, incomplete"
_COMPLETENESS_UPSERT = f"""
INSERT INTO products_completeness ({_COMPLETENESS_COLUMNS})
SELECT {_COMPLETENESS_COLUMNS} FROM noel_completeness
ON CONFLICT (product_id)
DO UPDATE SET scores = EXCLUDED.scores, incomplete = EXCLUDED.incomplete
WHERE products_completeness.scores IS DISTINCT FROM EXCLUDED.scores
"""


def completeness_compute(
    products: Sequence[Product],
    *,
    created: AbstractSet[int] = frozenset(),
    plan: CompletenessPlan | None = None,
) -> None:
    """Store completeness per product × channel × locale from the families' channel requirements.

    `created`: ids of products first written in this transaction, which have no row to replace. `plan`
    may come loaded already (an import loads one for the whole file)."""
    if not products:
        return
    plan = plan or CompletenessPlan({p.family_id for p in products})
    known = [p for p in products if p.pk not in created]
    fresh = plan.text([p for p in products if p.pk in created])
    completeness_store(fresh, plan.text(known))


def completeness_store(fresh: str | bytes, known: str | bytes) -> None:
    """Write completeness rows worked out by `CompletenessPlan` (an import does that in its main thread
    while another writes): `fresh` for products that have none yet, COPYed straight in, `known` replacing
    theirs (a channel or locale no longer served goes with the old row).

    COPY in its text form: psycopg's per-row adaptation cost more than working the rows out."""
    with transaction.atomic(savepoint=False), psycopg.Cursor(connection.connection) as cursor:
        if fresh:
            with cursor.copy(f"COPY products_completeness ({_COMPLETENESS_COLUMNS}) FROM STDIN") as copy:
                copy.write(fresh)
        if not known:
            return
        cursor.execute(_COMPLETENESS_STAGE)
        cursor.execute("TRUNCATE noel_completeness")
        with cursor.copy(f"COPY noel_completeness ({_COMPLETENESS_COLUMNS}) FROM STDIN") as copy:
            copy.write(known)
        cursor.execute(_COMPLETENESS_UPSERT)


_PLAN_ROWS_MAX = 10_000

# Upper apps add what a channel requires beyond its families' requirements (a feed format's mandatory
# fields, mapped to attributes), as {channel code: attribute codes}: completeness then requires the same
# as the channel's rules, by construction. The catalog never imports them.
channel_requirements: list[Callable[[], Mapping[str, AbstractSet[str]]]] = []


# Upper apps tell which products have pictures of their own in the DAM (or on their model): per product
# id, the channel codes where one shows ("*": every channel). A picture fills a required media attribute
# (the main picture is one notion, whether a path was typed or a picture linked).
product_pictures: list[Callable[[Sequence[int]], Mapping[int, AbstractSet[str]]]] = []


def pictured_products(product_ids: Sequence[int]) -> dict[int, set[str]]:
    result: dict[int, set[str]] = {}
    for source in product_pictures:
        for product_id, channels in source(product_ids).items():
            result.setdefault(product_id, set()).update(channels)
    return result


def channel_required_codes() -> dict[str, set[str]]:
    """Per channel code, the attribute codes every product served there needs, whatever its family."""
    result: dict[str, set[str]] = {}
    for source in channel_requirements:
        for channel, codes in source().items():
            result.setdefault(channel, set()).update(codes)
    return result


class CompletenessPlan:
    """What each family requires where, worked out once per batch (or import) rather than once per
    product: per family, (channel code, locale code, [(required code, the value slots that can fill it)])
    for each channel × locale served. A value counts for a locale and channel as `vals.value_of` reads
    it (`vals.value_slots`): its own slot, that of a channel it takes values from, or the one for every
    channel, every locale, or both."""

    def __init__(self, family_ids: AbstractSet[int]):
        required: dict[tuple[int, int], list[str]] = {}
        for family_id, channel_id, code in FamilyRequirement.objects.filter(
            family_id__in=family_ids
        ).values_list("family_id", "channel_id", "attribute__code"):
            required.setdefault((family_id, channel_id), []).append(code)
        channels = [(c, list(c.locales.all())) for c in Channel.objects.prefetch_related("locales")]
        fallbacks = {channel.code: channel.fallbacks for channel, _locales in channels}
        by_channel = channel_required_codes()
        for family_id in family_ids:
            for channel, _locales in channels:
                extra = by_channel.get(channel.code, set())
                codes = required.setdefault((family_id, channel.pk), [])
                codes.extend(sorted(extra - set(codes)))
        flags = Attribute.objects.filter(Q(localizable=True) | Q(type=Attribute.Type.MEDIA))
        flags = list(flags.values_list("code", "localizable", "type"))
        localizable = {code for code, is_localizable, _type in flags if is_localizable}
        self.media = {code for code, _loc, kind in flags if kind == Attribute.Type.MEDIA}
        self.plans: dict[int, list[tuple[str, str, list[tuple[str, tuple[tuple[str, str, str], ...]]]]]] = {}
        for family_id in family_ids:
            self.plans[family_id] = []
            for channel, locales in channels:
                codes = sorted(required.get((family_id, channel.pk), []))
                chain = vals.channel_chain(channel.code, fallbacks)
                for locale in locales:
                    needs = []
                    for code in codes:
                        loc = locale.code if code in localizable else vals.ANY
                        needs.append((code, tuple(vals.value_slots(code, loc, chain))))
                    self.plans[family_id].append((channel.code, locale.code, needs))
        self.required = {
            family_id: {code for _c, _l, needs in plans for code, _slots in needs}
            for family_id, plans in self.plans.items()
        }
        self.known: dict[tuple[int, frozenset], str] = {}

    def row(self, product: Product, pictured: AbstractSet[str] = frozenset()) -> str:
        """The product's row as COPY text, without the product id that starts it (codes are letters,
        digits and _: nothing to quote). Remembered per family and filled required slots: the products of a
        family mostly fill the same ones, and an import asks for 100,000 products' rows."""
        required = self.required[product.family_id]
        filled = frozenset(
            (code, locale, channel)
            for code, by_locale in effective_values(product).items()
            if code in required
            for locale, by_channel in by_locale.items()
            for channel, value in by_channel.items()
            if not vals.is_empty(value)
        )
        if pictured:  # DAM pictures fill the required media attributes, where they show
            filled |= {(code, vals.ANY, channel) for code in required & self.media for channel in pictured}
        key = (product.family_id, filled)
        row = self.known.get(key)
        if row is None:
            if len(self.known) >= _PLAN_ROWS_MAX:
                self.known.clear()
            scores: dict[str, dict[str, dict[str, Any]]] = {}
            incomplete = set()
            for channel, locale, needs in self.plans[product.family_id]:
                missing = [code for code, slots in needs if filled.isdisjoint(slots)]
                ratio = (100 * (len(needs) - len(missing))) // len(needs) if needs else 100
                scores.setdefault(channel, {})[locale] = {
                    "required": len(needs), "missing": missing, "ratio": ratio
                }  # fmt: skip
                if ratio < 100:
                    incomplete.update((channel, f"{channel}/{locale}"))
            row = self.known[key] = f"{orjson.dumps(scores).decode()}\t{{{','.join(sorted(incomplete))}}}\n"
        return row

    def text(self, products: Sequence[Product]) -> str:
        """The products' rows for COPY. Worked out before any COPY starts: a product's inherited values may
        need its parent read, and a connection in COPY can run no other query (it would wait for ever)."""
        pictures = pictured_products([p.pk for p in products]) if self.media and products else {}
        return "".join(
            f"{product.pk}\t{self.row(product, frozenset(pictures.get(product.pk, ())))}"
            for product in products
        )


@transaction.atomic
def category_create(
    *, actor: User | None, code: str, parent: Category | None = None, labels: Mapping[str, str] | None = None
) -> Category:
    if Category.objects.filter(code=code).exists():
        raise ValidationError({"code": f"category {code} already exists"})
    fields = {"code": code, "labels": dict(labels or {})}
    if refusal := policies.category_refusal(actor, code=code, parent=parent, exists=False):
        raise ValidationError({"parent": refusal})
    Category(**fields).full_clean(exclude=["path", "depth", "numchild"])
    if parent is None:
        node = Category.objects.add_root(create_kwargs=fields)
    else:
        node = Category.objects.add_child(Category.objects.get(pk=parent.pk), create_kwargs=fields)
    audit_record(
        actor=actor,
        action="category.create",
        object_type="category",
        object_code=code,
        diff={"parent": parent.code if parent else None},
    )
    return node


@transaction.atomic
def category_move(*, actor: User | None, category: Category, parent: Category | None) -> Category:
    """Move a category (with its subtree) under `parent`, or to the top; a cycle is refused."""
    node = Category.objects.get(pk=category.pk)
    if refusal := policies.category_refusal(actor, code=node.code, parent=parent, exists=True):
        raise ValidationError({"parent": refusal})
    old_parent = Category.objects.get_parent(node)
    if parent is not None:
        target = Category.objects.get(pk=parent.pk)
        if target.pk == node.pk or target.path.startswith(node.path):
            raise ValidationError(
                {"parent": f"{node.code} cannot move under {target.code}: that is inside itself"}
            )
        Category.objects.move(node, target, "sorted-child")
    else:
        Category.objects.move(node, Category.objects.get_first_root_node(), "sorted-sibling")
    audit_record(
        actor=actor,
        action="category.move",
        object_type="category",
        object_code=node.code,
        diff={"parent": [old_parent.code if old_parent else None, parent.code if parent else None]},
    )
    events.publish(ProductsChanged(skus=(), source=context.source.get()))
    return Category.objects.get(pk=node.pk)


def product_check(
    *,
    product: Product | None,
    family: Family | None = None,
    changes: Mapping[str, Any],
    catalog: vals.Catalog | None = None,
    actor: User | None = None,
) -> None:
    """Validate a create or an update by `actor` without writing anything, so forms can show every error
    in place."""
    catalog = catalog or vals.Catalog.load()
    trial = (
        Product.objects.select_related("family").get(pk=product.pk)
        if product and product.pk
        else Product(family=family, sku=changes.get("sku", ""))
    )
    if trial.pk is None:
        for field in ("parent", "family_variant", "is_model"):
            if field in changes:
                setattr(trial, field, changes[field])
    _check_team(
        actor, sku=trial.sku, before=trial.categories if trial.pk else None,
        after=changes.get("categories", trial.categories), parent=trial.parent,
    )  # fmt: skip
    _apply(trial, changes, catalog)


@dataclass
class NewProduct:
    """One product of a bulk creation, addressed by codes as in a file."""

    sku: str
    family: str
    values: dict[str, Any] = dataclasses.field(default_factory=dict)
    categories: list[str] = dataclasses.field(default_factory=list)
    parent: str | None = None
    family_variant: str | None = None
    is_model: bool = False
    gtin: str | None = None
    enabled: bool = True


@transaction.atomic
def products_bulk_create(
    *, actor: User | None, rows: Sequence[NewProduct], catalog: vals.Catalog | None = None
) -> list[Product]:
    """Create many products in a few statements: all valid or none written (every issue reported).

    Parents must come before their variants in `rows` or exist already. pghistory's triggers version
    each row; one audit row and one event cover the batch.
    """
    catalog = catalog or vals.Catalog.load()
    families = {
        f.code: f for f in Family.objects.select_related("label_attribute").prefetch_related("attributes")
    }
    variants = {v.code: v for v in FamilyVariant.objects.prefetch_related("axes", "variant_attributes")}
    parents = {p.sku: p for p in Product.objects.filter(sku__in={r.parent for r in rows if r.parent})}
    existing = set(Product.objects.filter(sku__in=[r.sku for r in rows]).values_list("sku", flat=True))
    lookups = _BatchLookups((r.gtin for r in rows), (r.parent for r in rows if r.parent), catalog)
    created: list[Product] = []
    problems: list[str] = []
    for row in rows:
        if problem := sku_problem(row.sku):
            problems.append(f"{row.sku}: {problem}")
            continue
        if row.sku in existing:
            problems.append(f"{row.sku}: SKU already exists")
            continue
        family = families.get(row.family)
        if family is None:
            problems.append(f"{row.sku}: unknown family {row.family}")
            continue
        parent = parents.get(row.parent) if row.parent else None
        refusal = policies.categories_refusal(
            actor, sku=row.sku, before=None, after=row.categories, parent=parent
        )
        if refusal:
            problems.append(refusal)
            continue
        product = Product(
            sku=row.sku,
            family=family,
            family_variant=variants.get(row.family_variant) if row.family_variant else None,
            parent=parents.get(row.parent) if row.parent else None,
            is_model=row.is_model,
            gtin=row.gtin,
            enabled=row.enabled,
            categories=list(row.categories),
            updated_by=actor,
            contributors=[actor.pk] if actor is not None else [],
        )
        if row.parent and product.parent is None:
            problems.append(f"{row.sku}: parent {row.parent} does not exist")
            continue
        try:
            product.values = _validate(product, row.values, catalog, lookups)
        except vals.ProductValidationError as exc:
            problems.extend(str(issue) for issue in exc.issues)
            continue
        except ValidationError as exc:
            problems.extend(exc.messages)
            continue
        product.search_text = _search_text(product, effective_values(product))
        existing.add(row.sku)
        lookups.register(product)
        if row.is_model:
            parents[row.sku] = product
        created.append(product)
    if problems:
        raise ValidationError(problems)
    with _history(actor):  # models, then sub-models, then the rest: each level needs its parents' ids
        for level in (0, 1, 2):
            Product.objects.bulk_create(
                [p for p in created if p.pk is None and (p.is_model or level == 2) and level_of(p) <= level],
                batch_size=1000,
            )
    completeness_compute(created)
    audit_record(
        actor=actor,
        action="product.bulk_create",
        object_type="product",
        object_code=f"{len(created)} products",
        diff={"skus": [p.sku for p in created[:1000]]},
    )
    events.publish(
        ProductsChanged(skus=tuple(p.sku for p in created), source=context.source.get(), action="created")
    )
    return created


def completeness_recompute(*, family_codes: Sequence[str] | None = None, batch: int = 2000) -> int:
    """Recompute completeness of every product (of the given families), in batches; returns the count."""
    queryset = Product.objects.select_related("parent").order_by("pk")
    if family_codes is not None:
        queryset = queryset.filter(family__code__in=family_codes)
    done, last = 0, 0
    while True:
        chunk = list(queryset.filter(pk__gt=last)[:batch])
        if not chunk:
            return done
        with transaction.atomic():
            completeness_compute(chunk)
        done, last = done + len(chunk), chunk[-1].pk


@transaction.atomic
def completeness_snapshot_take(*, day: date | None = None) -> int:
    """Keep today's completeness per channel (taken again the same day, it replaces that day's), so the
    dashboard can draw it over time; returns the channels recorded."""
    day = day or timezone.localdate()
    figures = selectors.completeness_by_channel()
    for channel_id, figure in figures.items():
        CompletenessSnapshot.objects.update_or_create(
            day=day,
            channel_id=channel_id,
            defaults={"products": figure.products, "complete": figure.complete},
        )
    audit_record(
        actor=None, action="completeness.snapshot", object_type="completeness", object_code=day.isoformat(),
        diff={"channels": len(figures)},
    )  # fmt: skip
    return len(figures)


def completeness_schedule(*, family_codes: Sequence[str] | None = None) -> None:
    """Queue a recompute once the current transaction commits (requirements or channel locales changed)."""
    from apps.products.tasks import completeness_recompute as task

    codes = list(family_codes) if family_codes is not None else None
    transaction.on_commit(lambda: task.delay(codes))


@transaction.atomic
def family_record_change(*, actor: User | None, family: Family, diff: dict[str, Any] | None = None) -> None:
    """Audit a family edit (attributes, channel requirements) and recompute its products' completeness."""
    audit_record(
        actor=actor, action="family.change", object_type="family", object_code=family.code, diff=diff or {}
    )
    completeness_schedule(family_codes=[family.code])


def on_channel_changed(event: events.ChannelChanged) -> None:
    """A channel's locales decide which completeness scores exist: recompute them all."""
    completeness_schedule()


def on_channel_or_locale_deleted(sender: type, **_kwargs: Any) -> None:
    """The scores of a deleted channel or locale go: recompute them all."""
    completeness_schedule()


@transaction.atomic
def products_add_category(*, actor: User | None, products: Iterable[Product], category_code: str) -> int:
    """Add a category to many products, each through product_update (versions, pending changes)."""
    if not Category.objects.filter(code=category_code).exists():
        raise ValidationError({"category": f"unknown category {category_code}"})
    catalog = vals.Catalog.load()
    count = 0
    for product in products:
        # read again under lock: the categories to add to are those of now, a pending change's included
        product = Product.objects.select_for_update(of=("self",)).get(pk=product.pk)
        categories = product_proposed(product).categories
        if category_code in categories:
            continue
        product_update(
            actor=actor,
            product=product,
            expected_version=product.version,
            changes={"categories": [*categories, category_code]},
            catalog=catalog,
        )
        count += 1
    return count
