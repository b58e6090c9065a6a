"""The rule registry: each rule is an object with a code, a severity and a description, run set-based
over a batch of products (a constant number of queries per batch, never one per product).

A rule returns Hits; the services turn them into findings (upserted on their key), resolve the open
findings a batch no longer produces, and recompute the batch's scores.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Any, ClassVar

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from apps.core.models import Channel
from apps.products.models import Product
from apps.products.values import merge
from apps.quality.models import Severity

CATEGORIES = {
    "completeness": _("Completeness"),
    "images": _("Pictures"),
    "prices": _("Prices"),
    "stock": _("Stock"),
    "text": _("Texts"),
    "assets": _("Assets"),
    "feeds": _("Feeds"),
}


@dataclass(frozen=True, slots=True)
class Hit:
    """One problem found on one product (optionally on one channel, locale or asset)."""

    product_id: int
    message: str
    details: dict[str, Any] = field(default_factory=dict)
    channel_id: int | None = None
    locale: str = ""
    asset_id: int | None = None


@dataclass
class CheckContext:
    """What one check run shares across its batches: the instant, the channels, and a cache where a
    rule keeps catalog-wide data (the nightly run builds it once for all its chunks)."""

    at: datetime
    cache: dict[str, Any] = field(default_factory=dict)
    # A whole-catalog run builds its catalog-wide data afresh; a re-check of a few products may reuse a
    # copy a few minutes old (NOEL_QUALITY_INDEX_TTL) rather than read the whole catalog for each change.
    whole_catalog: bool = False

    @cached_property
    def channels(self) -> list[Channel]:
        return list(Channel.objects.filter(is_active=True).prefetch_related("locales").order_by("code"))

    @cached_property
    def channel_ids(self) -> dict[str, int]:
        return {channel.code: channel.pk for channel in self.channels}

    @cached_property
    def locales(self) -> list[str]:
        return sorted({locale.code for channel in self.channels for locale in channel.locales.all()})


PRODUCT_FIELDS = (
    "id",
    "sku",
    "family_id",
    "parent_id",
    "is_model",
    "status",
    "enabled",
    "values",
    "categories",
)


class Batch:
    """The products one run of the rules looks at, loaded once and shared by every rule."""

    def __init__(self, ctx: CheckContext, product_ids: Iterable[int]) -> None:
        self.ctx = ctx
        self.ids = sorted(set(product_ids))

    @cached_property
    def products(self) -> dict[int, dict[str, Any]]:
        rows = Product.objects.filter(pk__any=self.ids).values(*PRODUCT_FIELDS)
        return {row["id"]: row for row in rows}

    @cached_property
    def ancestors(self) -> dict[int, dict[str, Any]]:
        """Parents and grandparents of the batch's variants, in at most two queries."""
        found: dict[int, dict[str, Any]] = {}
        wanted = {row["parent_id"] for row in self.products.values() if row["parent_id"]}
        while wanted:
            rows = list(Product.objects.filter(pk__any=wanted).values(*PRODUCT_FIELDS))
            found.update({row["id"]: row for row in rows})
            wanted = {row["parent_id"] for row in rows if row["parent_id"] and row["parent_id"] not in found}
        return found

    def lineage(self, product_id: int) -> list[int]:
        """The product's ancestors, nearest first."""
        chain, row = [], self.products.get(product_id) or self.ancestors.get(product_id)
        while row and row["parent_id"]:
            chain.append(row["parent_id"])
            row = self.ancestors.get(row["parent_id"])
        return chain

    def merged_values(self, product_id: int) -> dict[str, Any]:
        """Values as a channel sees them: inherited from the models, overridden by the product."""
        values: dict[str, Any] = {}
        for ancestor in reversed(self.lineage(product_id)):
            values = merge(values, self.ancestors[ancestor]["values"])
        return merge(values, self.products[product_id]["values"])

    @cached_property
    def sellable(self) -> list[int]:
        """Simple products and variants (never models): what a feed can send."""
        return [pid for pid, row in self.products.items() if not row["is_model"]]


class Rule:
    """Subclasses set code, severity, category and description, and implement `run`."""

    code: ClassVar[str]
    severity: ClassVar[str]
    category: ClassVar[str]
    description: ClassVar[str]
    # A passive rule is not run by checks: another app records its findings (feed runs).
    passive: ClassVar[bool] = False

    def run(self, batch: Batch) -> Iterable[Hit]:
        raise NotImplementedError

    def involved(self, batch: Batch) -> Iterable[int]:
        """Products outside the batch whose verdict under this rule may change with the batch's (the other
        side of a swap, the other products showing a picture). A check of a few products re-checks them
        too, so that a finding opens and closes on both sides at once; a whole-catalog run checks them
        anyway and does not ask."""
        return ()

    def __repr__(self) -> str:
        return f"<Rule {self.code}>"


rules: dict[str, Rule] = {}


def register(cls: type[Rule]) -> type[Rule]:
    """Class decorator: one instance per rule code, in registration order."""
    if cls.severity not in Severity.values:
        raise ValueError(f"{cls.__name__}: severity {cls.severity!r} is not one of {Severity.values}")
    if cls.category not in CATEGORIES:
        raise ValueError(f"{cls.__name__}: category {cls.category!r} is not one of {sorted(CATEGORIES)}")
    rules[cls.code] = cls()
    return cls


def active_rules(codes: Iterable[str] | None = None) -> list[Rule]:
    """The rules a check runs: all non-passive ones, or those named (an unknown code is refused)."""
    if codes is None:
        return [rule for rule in rules.values() if not rule.passive]
    unknown = sorted(set(codes) - set(rules))
    if unknown:
        raise KeyError(f"unknown quality rules: {', '.join(unknown)}")
    return [rules[code] for code in codes if not rules[code].passive]


def channel_q(channel: Channel) -> Q:
    """Findings that apply on a channel: its own, and those of every channel."""
    return Q(channel__isnull=True) | Q(channel=channel)
