"""The catalog: attributes, families, categories, products and variants, in Akeneo's shape.

Product values live in one JSONB column shaped {attribute: {locale or "*": {channel or "*": value}}},
validated against the family on every write (apps.products.values) and indexed with GIN.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pghistory
import pgtrigger
from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.core.validators import RegexValidator
from django.db import models
from django.db.models.functions import Upper
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from treebeard.mp_tree import MP_Node

from apps.core.models import Channel

CODE_VALIDATOR = RegexValidator(r"^[A-Za-z0-9_]+$", _("Letters, digits and _ only."))

# A SKU: letters, digits, "-", "_" and ".", starting with a letter or a digit, 64 at most (what Akeneo
# identifiers and Shopify SKUs hold in practice). Each is then one segment of /api/v1/products/{sku}, a
# safe file name and CSV cell: no "/", no space or control character, no "." or ".." alone.
SKU_MAX = 64
SKU_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}\Z"
SKU_MESSAGE = _(
    "A SKU is made of letters, digits, - _ and . (at most 64), and starts with a letter or a digit: "
    "no /, spaces or accents."
)
SKU_VALIDATOR = RegexValidator(SKU_PATTERN, SKU_MESSAGE, code="invalid_sku")


class Labelled(models.Model):
    """Models with a code and translated labels {"fr_FR": "Couleur", "en_GB": "Colour"}."""

    code = models.CharField(_("code"), max_length=100, unique=True, validators=[CODE_VALIDATOR])
    labels = models.JSONField(_("labels"), default=dict, blank=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.label()

    def label(self, locale: str | None = None) -> str:
        """The label in the given locale, else in the current language, else the code in brackets."""
        if locale and self.labels.get(locale):
            return self.labels[locale]
        language = (get_language() or "en")[:2]
        for code, text in sorted(self.labels.items()):
            if code.startswith(language) and text:
                return text
        return f"[{self.code}]"

    label.short_description = _("label")


class AttributeGroup(Labelled):
    sort_order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("attribute group")
        verbose_name_plural = _("attribute groups")


class MeasurementFamily(Labelled):
    """A kind of measure (weight, length…) with its units; values convert through the standard unit."""

    standard_unit = models.CharField(_("standard unit"), max_length=50)

    class Meta:
        ordering = ["code"]
        verbose_name = _("measurement family")
        verbose_name_plural = _("measurement families")


class MeasurementUnit(models.Model):
    family = models.ForeignKey(MeasurementFamily, on_delete=models.CASCADE, related_name="units")
    code = models.CharField(_("code"), max_length=50, validators=[CODE_VALIDATOR])
    symbol = models.CharField(_("symbol"), max_length=20)
    factor = models.DecimalField(
        _("factor to the standard unit"),
        max_digits=30,
        decimal_places=15,
        help_text=_("1 unit = factor × standard"),
    )

    class Meta:
        ordering = ["family", "factor"]
        constraints = [
            models.UniqueConstraint(fields=["family", "code"], name="products_unit_family_code_uniq")
        ]
        verbose_name = _("measurement unit")
        verbose_name_plural = _("measurement units")

    def __str__(self) -> str:
        return f"{self.code} ({self.symbol})"


class Attribute(Labelled):
    class Type(models.TextChoices):
        TEXT = "text", _("Text")
        TEXTAREA = "textarea", _("Text area")
        NUMBER = "number", _("Number")
        BOOLEAN = "boolean", _("Yes/no")
        DATE = "date", _("Date")
        SELECT = "select", _("Simple select")
        MULTISELECT = "multiselect", _("Multi select")
        PRICE = "price", _("Price collection")
        MEASUREMENT = "measurement", _("Measurement")
        MEDIA = "media", _("Media")
        IDENTIFIER = "identifier", _("Identifier")

    type = models.CharField(_("type"), max_length=16, choices=Type.choices)
    group = models.ForeignKey(
        AttributeGroup, verbose_name=_("group"), on_delete=models.PROTECT, related_name="attributes"
    )
    sort_order = models.PositiveIntegerField(_("order in group"), default=0)
    localizable = models.BooleanField(_("localizable"), default=False, help_text=_("One value per locale"))
    scopable = models.BooleanField(_("scopable"), default=False, help_text=_("One value per channel"))
    unique = models.BooleanField(_("unique"), default=False, help_text=_("No two products share a value"))
    max_length = models.PositiveIntegerField(_("max characters"), null=True, blank=True)
    regex = models.CharField(_("validation pattern"), max_length=255, blank=True)
    min_value = models.DecimalField(_("minimum"), max_digits=20, decimal_places=6, null=True, blank=True)
    max_value = models.DecimalField(_("maximum"), max_digits=20, decimal_places=6, null=True, blank=True)
    decimals_allowed = models.BooleanField(_("decimals allowed"), default=True)
    negative_allowed = models.BooleanField(_("negative allowed"), default=False)
    measurement_family = models.ForeignKey(
        MeasurementFamily,
        verbose_name=_("measurement family"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
    )
    allowed_units = ArrayField(
        models.CharField(max_length=50), verbose_name=_("allowed units"), default=list, blank=True
    )
    default_unit = models.CharField(_("default unit"), max_length=50, blank=True)
    allowed_extensions = ArrayField(
        models.CharField(max_length=16),
        verbose_name=_("allowed extensions"),
        default=list,
        blank=True,
        help_text=_("A media value's file extensions, such as jpg, png (none: any file)"),
    )
    max_file_size = models.DecimalField(
        _("max file size (MB)"),
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("Checked when the file comes with the import (an Akeneo archive)"),
    )

    class Meta:
        ordering = ["group__sort_order", "sort_order", "code"]
        verbose_name = _("attribute")
        verbose_name_plural = _("attributes")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(type="measurement") | models.Q(measurement_family__isnull=False),
                name="products_attribute_measurement_has_family",
            ),
        ]


class AttributeOption(models.Model):
    attribute = models.ForeignKey(Attribute, on_delete=models.CASCADE, related_name="options")
    code = models.CharField(_("code"), max_length=100, validators=[CODE_VALIDATOR])
    labels = models.JSONField(_("labels"), default=dict, blank=True)
    sort_order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["attribute", "sort_order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["attribute", "code"], name="products_option_attr_code_uniq")
        ]
        verbose_name = _("attribute option")
        verbose_name_plural = _("attribute options")

    def __str__(self) -> str:
        return Labelled.label(self)  # type: ignore[arg-type]


class Family(Labelled):
    """A kind of product: which attributes it has and which each channel requires."""

    attributes = models.ManyToManyField(
        Attribute, verbose_name=_("attributes"), related_name="families", blank=True
    )
    label_attribute = models.ForeignKey(
        Attribute,
        verbose_name=_("label attribute"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    image_attribute = models.ForeignKey(
        Attribute,
        verbose_name=_("image attribute"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("family")
        verbose_name_plural = _("families")


class FamilyRequirement(models.Model):
    """Attribute `attribute` must be filled for the family's products to be complete on `channel`."""

    family = models.ForeignKey(Family, on_delete=models.CASCADE, related_name="requirements")
    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="+")
    attribute = models.ForeignKey(Attribute, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["family", "channel", "attribute"], name="products_requirement_uniq"
            )
        ]
        verbose_name = _("required attribute")
        verbose_name_plural = _("required attributes")

    def __str__(self) -> str:
        return _("%(attribute)s required on %(channel)s") % {
            "attribute": self.attribute.code,
            "channel": self.channel.code,
        }


class FamilyVariant(Labelled):
    """How a family's product models split into variants, on one or two levels, as in Akeneo.

    One level: model → variants (axes, e.g. colour and size). Two levels: model → sub-models on the
    first axes (colour) → variants on the second (size). Each level names the attributes set on it;
    the rest stay on the model and are inherited.
    """

    family = models.ForeignKey(Family, on_delete=models.CASCADE, related_name="variants")
    axes = models.ManyToManyField(Attribute, related_name="+", verbose_name=_("axes of level 1"))
    variant_attributes = models.ManyToManyField(
        Attribute, related_name="+", verbose_name=_("attributes set on level 1"), blank=True
    )
    sub_axes = models.ManyToManyField(
        Attribute, related_name="+", verbose_name=_("axes of level 2 (optional)"), blank=True
    )
    sub_attributes = models.ManyToManyField(
        Attribute, related_name="+", verbose_name=_("attributes set on level 2"), blank=True
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("family variant")
        verbose_name_plural = _("family variants")


class Category(MP_Node):
    code = models.CharField(_("code"), max_length=100, unique=True, validators=[CODE_VALIDATOR])
    labels = models.JSONField(_("labels"), default=dict, blank=True)
    node_order_by = ["code"]

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        permissions = [("edit_products_in", _("Can see and edit the products of this category subtree"))]

    def __str__(self) -> str:
        return Labelled.label(self)  # type: ignore[arg-type]


class AssociationType(Labelled):
    class Meta:
        ordering = ["code"]
        verbose_name = _("association type")
        verbose_name_plural = _("association types")


# Fills UniqueValue from the rows a statement wrote (`new_rows`), for the attributes marked unique.
_UNIQUE_VALUES_COPY = """
INSERT INTO products_uniquevalue (attribute_id, locale, channel, value, product_id)
SELECT a.id, l.key, c.key, c.value, n.id
FROM new_rows n
JOIN products_attribute a ON a."unique" AND n."values" ? a.code
CROSS JOIN LATERAL jsonb_each(n."values" -> a.code) AS l
CROSS JOIN LATERAL jsonb_each(l.value) AS c
WHERE c.value <> 'null'::jsonb;
"""


@pghistory.track(
    pghistory.InsertEvent("created"),
    pghistory.UpdateEvent("changed"),
    pghistory.DeleteEvent("deleted"),
    exclude=["updated_at", "search_text", "search_vector", "contributors"],
    # One history write per statement, as for prices: a row trigger ran once per product even when an
    # import had it ignore the write, and checking the ignore list cost more than the row's own insert
    # and indexes.
    level=pgtrigger.Statement,
)
class Product(models.Model):
    """A product, a product model (the parent of variants), or a variant."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        IN_REVIEW = "in_review", _("In review")
        APPROVED = "approved", _("Approved")
        RETIRED = "retired", _("Retired")

    sku = models.CharField(_("SKU"), max_length=SKU_MAX, unique=True, validators=[SKU_VALIDATOR])
    gtin = models.CharField(_("GTIN"), max_length=14, null=True, blank=True, unique=True)
    family = models.ForeignKey(  # looked up through the (family, status) index: no index of its own
        Family, verbose_name=_("family"), on_delete=models.PROTECT, related_name="products", db_index=False
    )
    # Only product models name a family variant: their own partial index (see Meta), which the rows of
    # other products, most of a catalog, do not enter
    family_variant = models.ForeignKey(
        FamilyVariant,
        verbose_name=_("family variant"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        db_index=False,
    )
    # looked up through the unique (parent, axis key) index of variants: no index of its own
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent model"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="variants",
        db_index=False,
    )
    is_model = models.BooleanField(
        _("product model"), default=False, help_text=_("A parent whose variants are sold")
    )
    enabled = models.BooleanField(_("enabled"), default=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    categories = ArrayField(
        models.CharField(max_length=100), verbose_name=_("categories"), default=list, blank=True
    )
    values = models.JSONField(_("values"), default=dict, blank=True)
    associations = models.JSONField(_("associations"), default=dict, blank=True)
    axis_key = models.CharField(max_length=255, blank=True, editable=False)
    version = models.PositiveIntegerField(_("version"), default=1)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True, db_index=True)
    # no index: "my drafts" reads it in an OR across pending changes, a scan with or without one, and
    # deleting a user (rare) may scan the table to clear it
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    # Four eyes: who edited the product or its pending change, or submitted it, since its last approval
    # (user ids, emptied by the approval); none of them may approve it. Not versioned: review bookkeeping.
    contributors = ArrayField(models.BigIntegerField(), default=list, blank=True, editable=False)
    search_text = models.TextField(blank=True, editable=False)
    # PostgreSQL full-text search with the 'simple' configuration: SKU, GTIN and names in every locale,
    # prefix-matched ("rein" finds "Renne en peluche"), without stemming one language over another.
    search_vector = models.GeneratedField(
        expression=SearchVector("search_text", config="simple"),
        output_field=SearchVectorField(),
        db_persist=True,
    )

    class Meta:
        ordering = ["sku"]
        verbose_name = _("product")
        verbose_name_plural = _("products")
        permissions = [("approve_product", _("Can approve products (four-eyes)"))]
        indexes = [
            GinIndex(fields=["categories"], name="products_categories_gin"),
            GinIndex(fields=["search_vector"], name="products_search_gin"),
            models.Index(fields=["family", "status"], name="products_family_status_idx"),
            models.Index(fields=["status", "sku"], name="products_status_sku_idx"),
            # SKUs are unique whatever their case: the single-write check and the import's look this up
            models.Index(Upper("sku"), name="products_sku_upper_idx"),
            models.Index(
                fields=["family_variant"],
                condition=models.Q(family_variant__isnull=False),
                name="products_family_variant_idx",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["parent", "axis_key"],
                condition=models.Q(parent__isnull=False),
                name="products_variant_axes_unique_among_siblings",
            ),
        ]
        # the values of unique attributes, copied into UniqueValue by every write, whichever its path
        triggers = [
            pgtrigger.Trigger(
                name="unique_values_insert",
                level=pgtrigger.Statement,
                when=pgtrigger.After,
                operation=pgtrigger.Insert,
                referencing=pgtrigger.Referencing(new="new_rows"),
                func=f"{_UNIQUE_VALUES_COPY} RETURN NULL;",
            ),
            pgtrigger.Trigger(
                name="unique_values_update",
                level=pgtrigger.Statement,
                when=pgtrigger.After,
                operation=pgtrigger.Update,
                referencing=pgtrigger.Referencing(new="new_rows"),
                func=(
                    "DELETE FROM products_uniquevalue u USING new_rows n WHERE u.product_id = n.id;"
                    f" {_UNIQUE_VALUES_COPY} RETURN NULL;"
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.sku


UNIQUE_VALUE_ONCE = "products_unique_value_once"  # the index an import's first attempt relies on


class UniqueValue(models.Model):
    """A value of a unique attribute, one row per product × locale × channel that holds one, kept by the
    statement-level triggers on products (every write path, an import's COPY included), as Akeneo keeps its
    unique data table. The database itself refuses a second product with the same value (two writes at
    once cannot both pass the check), and the check finds a value's holder by index instead of searching
    every product's values."""

    attribute = models.ForeignKey(
        Attribute, on_delete=models.CASCADE, related_name="+", db_constraint=False, db_index=False
    )
    locale = models.CharField(max_length=35)
    channel = models.CharField(max_length=100)
    value = models.JSONField()
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="+", db_constraint=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["attribute", "locale", "channel", "value"], name=UNIQUE_VALUE_ONCE
            )
        ]
        verbose_name = _("unique value")
        verbose_name_plural = _("unique values")

    def __str__(self) -> str:
        return f"{self.attribute.code} {self.locale} {self.channel}: {self.value}"


class ProductReview(models.Model):
    """One step of the four-eyes workflow: a submission, an approval or a sending back, with its comment."""

    class Action(models.TextChoices):
        SUBMIT = "submit", _("Submitted")
        APPROVE = "approve", _("Approved")
        REJECT = "reject", _("Sent back")
        RETIRE = "retire", _("Retired")

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="reviews")
    action = models.CharField(max_length=16, choices=Action.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    comment = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.product.sku}"


class PendingChange(models.Model):
    """Edits to an approved product, waiting for approval while the live data keeps serving."""

    product = models.OneToOneField(Product, on_delete=models.CASCADE, related_name="pending_change")
    base_version = models.PositiveIntegerField()
    changes = models.JSONField(default=dict, help_text="field → proposed value (values merged per attribute)")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    submitted = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"pending change of {self.product.sku}"


@dataclass(frozen=True)
class Score:
    """A product's completeness for one channel and locale."""

    required: int
    missing: list[str]
    ratio: int  # 0–100

    @classmethod
    def of(cls, stored: dict[str, Any]) -> Score:
        """A score as `Completeness.scores` stores it."""
        return cls(stored["required"], stored["missing"], stored["ratio"])


class Completeness(models.Model):
    """Share of required attributes filled, per product × channel × locale, stored to filter on: one row a
    product, its scores keyed by channel and locale code (as Akeneo keeps it since its 8.0 upgrade).

    Derived data, rebuilt from the products by `completeness_compute`/`completeness_recompute`. One row
    rather than one per channel × locale: an import of 100,000 products wrote 700,000 rows and their two
    indexes, a fifth of its database time. `incomplete` lists the channels ("web") and the channel/locale
    pairs ("web/fr_FR") below 100 %, GIN-indexed for the "not complete for" filters. No database reference
    (Django still deletes the row with its product)."""

    product = models.OneToOneField(
        Product, on_delete=models.CASCADE, primary_key=True, related_name="completeness", db_constraint=False
    )
    scores = models.JSONField(default=dict)  # {channel: {locale: {"required", "missing", "ratio"}}}
    incomplete = ArrayField(models.CharField(max_length=201), default=list, blank=True)

    class Meta:
        indexes = [GinIndex(fields=["incomplete"], name="products_incomplete_gin")]
        verbose_name = _("completeness")
        verbose_name_plural = _("completeness")

    def __str__(self) -> str:
        return f"{self.product.sku}: {len(self.incomplete)} incomplete"

    def score(self, channel: str, locale: str) -> Score | None:
        found = self.scores.get(channel, {}).get(locale)
        return None if found is None else Score.of(found)

    def by_channel(self) -> Iterator[tuple[str, list[tuple[str, Score]]]]:
        """(channel, [(locale, score)…]) in code order."""
        for channel in sorted(self.scores):
            yield channel, [(locale, self.score(channel, locale)) for locale in sorted(self.scores[channel])]


class CompletenessSnapshot(models.Model):
    """One day's completeness of a channel's catalog, taken nightly, for the dashboard's chart over time
    (the stored completeness only knows today)."""

    day = models.DateField(_("day"))
    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="+")
    products = models.PositiveIntegerField(_("products"))
    complete = models.PositiveIntegerField(_("complete in every locale"))
    taken_at = models.DateTimeField(_("taken"), auto_now=True)

    class Meta:
        ordering = ["day", "channel"]
        verbose_name = _("completeness snapshot")
        verbose_name_plural = _("completeness snapshots")
        constraints = [
            models.UniqueConstraint(fields=["day", "channel"], name="products_completeness_snapshot_uniq")
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.channel.code}: {self.complete}/{self.products}"

    @property
    def percent(self) -> float:
        return round(100 * self.complete / self.products, 1) if self.products else 100.0


class ListColumns(models.Model):
    """The columns a person chose for the product list (no row: the default set)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    columns = ArrayField(models.CharField(max_length=50), verbose_name=_("columns"), default=list)

    class Meta:
        verbose_name = _("product list columns")
        verbose_name_plural = _("product list columns")

    def __str__(self) -> str:
        return ", ".join(self.columns)
