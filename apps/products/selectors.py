"""Reads of the catalog that are more than a get: search, filters, counts, history."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.contrib.postgres.search import SearchQuery
from django.db import connection
from django.db.models import IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.fields.json import KT, KeyTransform
from django.db.models.functions import Cast
from django.utils import timezone

from apps.products import values as vals
from apps.products.models import (
    Category,
    Completeness,
    CompletenessSnapshot,
    Family,
    Product,
    Score,
)

_WORD = re.compile(r"[\w-]+", re.UNICODE)


def product_search(queryset: QuerySet[Product], term: str) -> QuerySet[Product]:
    """SKU prefix, exact GTIN, or words of the name in any locale (prefix-matched), all indexed."""
    term = term.strip()
    if not term:
        return queryset
    if term.isdigit() and 8 <= len(term) <= 14:
        return queryset.filter(Q(gtin=term) | Q(sku=term))
    words = [w.lower() for w in _WORD.findall(term)]
    if not words:
        return queryset.none()
    query = SearchQuery(" & ".join(f"{w}:*" for w in words), config="simple", search_type="raw")
    return queryset.filter(Q(search_vector=query) | Q(sku__startswith=term.upper()) | Q(sku__startswith=term))


def category_subtree_codes(code: str) -> list[str]:
    node = Category.objects.filter(code=code).only("path").first()
    if node is None:
        return []
    return list(Category.objects.filter(path__startswith=node.path).values_list("code", flat=True))


def products_in_category(queryset: QuerySet[Product], code: str) -> QuerySet[Product]:
    """Products in a category or anywhere below it (GIN-indexed array overlap)."""
    return queryset.filter(categories__overlap=category_subtree_codes(code))


def products_incomplete(queryset: QuerySet[Product], *, channel: str, locale: str = "") -> QuerySet[Product]:
    """ "Show me what is not ready for google in fr_FR" (any locale when none is given)."""
    key = f"{channel}/{locale}" if locale else channel
    return queryset.filter(completeness__incomplete__contains=[key])


def completeness_ratio(*, channel: str, locale: str) -> Subquery:
    """The stored completeness of each product for one channel and locale, to annotate and sort on."""
    ratio = Cast(KT(f"scores__{channel}__{locale}__ratio"), IntegerField())
    return Subquery(Completeness.objects.filter(product=OuterRef("pk")).values(ratio=ratio)[:1])


def completeness_scores(product_ids: Iterable[int], *, channel: str, locale: str) -> dict[int, Score]:
    """Product id → its score for one channel and locale (a product without one is left out)."""
    found = (
        Completeness.objects.filter(product_id__any=list(product_ids))  # one array, not one parameter an id
        .annotate(score=KeyTransform(locale, KeyTransform(channel, "scores")))
        .filter(score__isnull=False)
        .values_list("product_id", "score")
    )
    return {pid: Score.of(stored) for pid, stored in found}


def category_product_counts() -> dict[str, int]:
    """Products per category code, each node counting its whole subtree (one query)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT unnest(categories) AS code, count(*) FROM products_product GROUP BY 1")
        direct = Counter(dict(cursor.fetchall()))
    paths = dict(Category.objects.values_list("code", "path"))
    totals: Counter[str] = Counter()
    for code, path in paths.items():
        count = direct.get(code, 0)
        if not count:
            continue
        for depth in range(Category.steplen, len(path) + 1, Category.steplen):
            totals[path[:depth]] += count
    return {code: totals.get(path, 0) for code, path in paths.items()}


def family_attributes(family: Family) -> list:
    """The family's attributes in form order (group, then order in group), with their options."""
    return list(
        family.attributes.select_related("group", "measurement_family")
        .prefetch_related("options")
        .order_by("group__sort_order", "group__code", "sort_order", "code")
    )


@dataclass(frozen=True)
class Version:
    event_id: int
    number: int
    label: str
    at: Any
    who: str
    source: str
    changes: dict[str, list[Any]]


def product_state(obj: Any) -> dict[str, Any]:
    """The versioned fields of a product or of one of its history events (they share field names)."""
    return {
        "sku": obj.sku,
        "gtin": obj.gtin,
        "family": obj.family.code,
        "status": obj.status,
        "enabled": obj.enabled,
        "categories": list(obj.categories),
        "associations": obj.associations,
        "values": obj.values,
    }


def state_changes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """Field-level diff, with values expanded to one entry per attribute/locale/channel."""
    if not before:  # a creation (every new product of an import): each field that is set
        changed = {k: [None, v] for k, v in after.items() if k != "values" and v is not None}
    else:
        changed = {
            k: [before.get(k), after.get(k)] for k in after if k != "values" and before.get(k) != after.get(k)
        }
    changed.update(vals.diff(before.get("values", {}), after.get("values", {})))
    return changed


def product_versions(product: Product) -> list[Version]:
    """Every saved state of a product, newest first, with the field-level diff to the state before."""
    versions, before = [], {}
    for event in product.events.select_related("pgh_context", "family").order_by("pgh_id"):
        state = product_state(event)
        meta = event.pgh_context.metadata if event.pgh_context else {}
        versions.append(
            Version(
                event.pgh_id,
                event.version,
                event.pgh_label,
                event.pgh_created_at,
                meta.get("username", "database"),
                meta.get("source", "database"),
                state_changes(before, state),
            )
        )
        before = state
    return versions[::-1]


def products_missing_image(queryset: QuerySet[Product]) -> QuerySet[Product]:
    """Products whose family names an image attribute that they (or their parent) leave empty."""
    condition = Q()
    for family_id, code in Family.objects.filter(image_attribute__isnull=False).values_list(
        "pk", "image_attribute__code"
    ):
        condition |= (
            Q(family_id=family_id)
            & ~Q(values__has_key=code)
            & (Q(parent__isnull=True) | ~Q(parent__values__has_key=code))
        )
    return queryset.filter(condition) if condition else queryset.none()


def catalog_readiness() -> tuple[dict[str, int], dict[str, int]]:
    """Products per status, and per channel the products not complete in at least one locale."""
    from django.db.models import Count

    by_status = dict(Product.objects.values_list("status").annotate(n=Count("pk")).values_list("status", "n"))
    with connection.cursor() as cursor:
        cursor.execute(_NOT_READY_BY_CHANNEL)
        not_ready = dict(cursor.fetchall())
    return by_status, not_ready


# `incomplete` names each channel where some locale is below 100 %, besides the channel/locale pairs
_NOT_READY_BY_CHANNEL = """
SELECT ch.code, count(*)
FROM products_completeness c JOIN core_channel ch ON c.incomplete @> ARRAY[ch.code]::varchar[]
GROUP BY ch.code
"""
_COMPLETE_BY_CHANNEL = """
SELECT ch.id, count(*), count(*) FILTER (WHERE NOT c.incomplete @> ARRAY[ch.code]::varchar[])
FROM products_completeness c
JOIN products_product p ON p.id = c.product_id
JOIN core_channel ch ON c.scores ? ch.code
WHERE NOT p.is_model AND p.status <> 'retired'
GROUP BY ch.id
"""


@dataclass(frozen=True)
class ChannelCompleteness:
    """Sellable, not retired products with a completeness for a channel, and those complete in every
    locale it serves (what a feed requires)."""

    products: int
    complete: int

    @property
    def percent(self) -> float:
        return round(100 * self.complete / self.products, 1) if self.products else 100.0


def completeness_by_channel() -> dict[int, ChannelCompleteness]:
    """Channel id → completeness of its catalog, in one query."""
    with connection.cursor() as cursor:
        cursor.execute(_COMPLETE_BY_CHANNEL)
        return {cid: ChannelCompleteness(total, done) for cid, total, done in cursor.fetchall()}


def products_matching(
    queryset: QuerySet[Product],
    *,
    family: str = "",
    category: str = "",
    sku_prefix: str = "",
    status: str = "",
) -> QuerySet[Product]:
    """The products a shell command's filters name (each optional), in SKU order."""
    if family:
        queryset = queryset.filter(family__code=family)
    if category:
        queryset = products_in_category(queryset, category)
    if sku_prefix:
        queryset = queryset.filter(sku__startswith=sku_prefix)
    if status:
        queryset = queryset.filter(status=status)
    return queryset.order_by("sku")


def products_to_submit(queryset: QuerySet[Product]) -> QuerySet[Product]:
    """Drafts, and approved products whose pending change is not submitted yet."""
    return queryset.filter(
        Q(status=Product.Status.DRAFT) | Q(status=Product.Status.APPROVED, pending_change__submitted=False)
    )


def products_to_approve(queryset: QuerySet[Product]) -> QuerySet[Product]:
    """Products in review and submitted pending changes, whoever contributed (the approval refuses what
    the approver contributed to, and says so)."""
    return queryset.filter(Q(status=Product.Status.IN_REVIEW) | Q(pending_change__submitted=True))


def products_drafts_of(user: Any, queryset: QuerySet[Product] | None = None) -> QuerySet[Product]:
    """A person's unfinished work: drafts they last edited, and their pending changes not yet submitted."""
    queryset = Product.objects.all() if queryset is None else queryset
    return queryset.filter(
        Q(status=Product.Status.DRAFT, updated_by=user)
        | Q(pending_change__author=user, pending_change__submitted=False)
    )


def products_awaiting_approval_by(user: Any, queryset: QuerySet[Product] | None = None) -> QuerySet[Product]:
    """What a person may approve now: submitted products and changes they did not contribute to (edited
    since the last approval, or submitted: the four-eyes rule of product_approve, as a filter)."""
    queryset = Product.objects.all() if queryset is None else queryset
    if not user.has_perm("products.approve_product"):
        return queryset.none()
    return queryset.filter(Q(status=Product.Status.IN_REVIEW) | Q(pending_change__submitted=True)).exclude(
        contributors__contains=[user.pk]
    )


def completeness_history(*, days: int = 30) -> dict[str, list[tuple[date, float]]]:
    """Channel code → (day, % of products complete) over the last `days` snapshots, in one query."""
    since = timezone.localdate() - timedelta(days=days)
    history: dict[str, list[tuple[date, float]]] = {}
    for snapshot in (
        CompletenessSnapshot.objects.filter(day__gte=since)
        .select_related("channel")
        .order_by("channel__code", "day")
    ):
        history.setdefault(snapshot.channel.code, []).append((snapshot.day, snapshot.percent))
    return history


# --- pending changes: what an approved product's edit would change, readable ---------------------------

BASE_DIFF_FIELDS = ("sku", "gtin", "enabled", "family", "categories")


def display_value(value: Any) -> str:
    """A value as a person reads it in a diff: "—" for nothing, yes/no, "12 cm", "12.90 EUR · 14.90 CHF"."""
    from django.utils.translation import gettext

    if value is None or value == "" or value == [] or value == {}:
        return "—"
    if isinstance(value, bool):
        return gettext("yes") if value else gettext("no")
    if isinstance(value, dict) and "amount" in value:
        return f"{value['amount']} {value.get('unit') or ''}".strip()
    if isinstance(value, dict):  # a price collection: currency → amount
        return " · ".join(f"{amount} {currency}" for currency, amount in sorted(value.items()))
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


@dataclass(frozen=True)
class DiffRow:
    """One changed slot of a pending change: a base field, or an attribute in one locale and channel."""

    field: str
    label: str
    locale: str
    channel: str
    live: str
    pending: str


@dataclass(frozen=True)
class PendingReview:
    """A product with a pending change, as the approver's queue shows it."""

    product: Product
    author: str
    submitted: bool
    updated_at: Any
    rows: list[DiffRow]


def pending_change_diff(
    product: Product, changes: dict[str, Any], labels: dict[str, str], families: dict[str, str] | None = None
) -> list[DiffRow]:
    """The slots a pending change would change, live → pending, in reading order; no query (the labels
    of attributes and families are given)."""
    rows: list[DiffRow] = []
    for name in BASE_DIFF_FIELDS:
        if name not in changes:
            continue
        live = product.family.code if name == "family" else getattr(product, name)
        pending = changes[name]
        if name == "categories":
            live, pending = sorted(live or []), sorted(pending or [])
        if live != pending:
            label = str(Product._meta.get_field(name).verbose_name)
            if name == "family" and families is not None:
                live, pending = families.get(live, live), families.get(pending, pending)
            rows.append(DiffRow(name, label, "", "", display_value(live), display_value(pending)))
    for code, by_locale in sorted((changes.get("values") or {}).items()):
        for locale, by_channel in sorted((by_locale or {}).items()):
            for channel, pending in sorted((by_channel or {}).items()):
                live = ((product.values.get(code) or {}).get(locale) or {}).get(channel)
                if (vals.is_empty(live) and vals.is_empty(pending)) or live == pending:
                    continue
                rows.append(
                    DiffRow(
                        code, labels.get(code, code), "" if locale == vals.ANY else locale,
                        "" if channel == vals.ANY else channel, display_value(live), display_value(pending),
                    )
                )  # fmt: skip
    if "associations" in changes:
        for kind, skus in sorted((changes.get("associations") or {}).items()):
            live = (product.associations or {}).get(kind, [])
            if list(live) != list(skus or []):
                rows.append(DiffRow(f"assoc:{kind}", kind, "", "", display_value(live), display_value(skus)))
    return rows


def pending_changes_queue(queryset: QuerySet[Product], *, submitted_only: bool = True) -> list[PendingReview]:
    """Products with a pending change (submitted ones only unless told), oldest change first, each with its
    diff: three queries whatever their number (products with their change and its author, attribute
    labels, family labels)."""
    from apps.products.models import Attribute

    products = list(
        queryset.filter(
            pending_change__isnull=False, **({"pending_change__submitted": True} if submitted_only else {})
        )
        .select_related("family", "pending_change__author")
        .order_by("pending_change__updated_at", "sku")
    )
    codes = {code for p in products for code in (p.pending_change.changes.get("values") or {})}
    labels = {a.code: a.label() for a in Attribute.objects.filter(code__in=codes)} if codes else {}
    families = {f.code: f.label() for f in Family.objects.all()} if products else {}
    return [
        PendingReview(
            product=p,
            author=p.pending_change.author.get_username(),
            submitted=p.pending_change.submitted,
            updated_at=p.pending_change.updated_at,
            rows=pending_change_diff(p, p.pending_change.changes, labels, families),
        )
        for p in products
    ]
