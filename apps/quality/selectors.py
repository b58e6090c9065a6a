"""Reads of the quality app: what keeps a product off a channel, findings for lists, and scores."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import connection
from django.db.models import Count, QuerySet

from apps.core.models import Channel
from apps.core.stored_text import remembered
from apps.products.models import Product
from apps.quality.models import Finding, ProductScore, Severity
from apps.quality.registry import channel_q


@dataclass(frozen=True, slots=True)
class Blocker:
    finding_id: int
    rule: str
    message: str
    on_product: int


def blocked_products(
    channel: Channel, product_ids: Iterable[int], locale: str | None = None
) -> dict[int, list[Blocker]]:
    """Product id → the open blocking findings that keep it out of this channel's feed (in `locale`, when
    given: a fault in another language's text does not): its own, and its models' (a variant inherits
    its model's texts, so their faults). Two or three queries."""
    ids = sorted(set(product_ids))
    if not ids:
        return {}
    parents = dict(Product.objects.filter(pk__any=ids, parent__isnull=False).values_list("pk", "parent_id"))
    grand: dict[int, int] = {}
    if parents:
        models = Product.objects.filter(pk__any=set(parents.values()), parent__isnull=False)
        grand = dict(models.values_list("pk", "parent_id"))
    owners = {pid: [pid] for pid in ids}
    for pid, parent in parents.items():
        owners[pid] += [parent, *([grand[parent]] if parent in grand else [])]
    wanted = {owner for chain in owners.values() for owner in chain}
    found: dict[int, list[Blocker]] = {}
    queryset = Finding.objects.filter(
        product_id__any=wanted, resolved_at__isnull=True, severity=Severity.BLOCKING
    )
    if locale:
        queryset = queryset.filter(locale__in=["", locale])
    rows = (
        queryset.filter(channel_q(channel))
        .order_by("product_id", "rule", "id")
        .values_list("id", "product_id", "rule", "message", "message_parts")
    )
    for finding_id, owner, rule, message, parts in rows:
        found.setdefault(owner, []).append(Blocker(finding_id, rule, remembered(message, parts), owner))
    return {pid: blockers for pid in ids if (blockers := [b for o in owners[pid] for b in found.get(o, [])])}


def findings(
    *,
    rule: str | None = None,
    severity: str | None = None,
    channel: str | None = None,
    category: str | None = None,
    sku: str | None = None,
    open: bool | None = True,
) -> QuerySet[Finding]:
    """Findings for the API and exports, newest first, with what a list shows joined in."""
    queryset = Finding.objects.select_related("product", "channel").order_by("-last_seen", "-id")
    if rule:
        queryset = queryset.filter(rule=rule)
    if severity:
        queryset = queryset.filter(severity=severity)
    if channel:
        queryset = queryset.filter(channel__code=channel)
    if category:
        queryset = queryset.filter(category=category)
    if sku:
        queryset = queryset.filter(product__sku=sku)
    if open is not None:
        queryset = queryset.filter(resolved_at__isnull=open)
    return queryset


def product_quality(product: Product) -> tuple[ProductScore | None, list[Finding]]:
    """A product's score and its open findings (for the product page and the API)."""
    score = ProductScore.objects.filter(product=product).first()
    open_findings = list(
        Finding.objects.filter(product=product, resolved_at__isnull=True)
        .select_related("channel", "product")
        .order_by("severity", "rule", "id")
    )
    return score, open_findings


def channel_scores() -> dict[str, float]:
    """Channel code → the mean score of the checked products on it, in one scan of the scores."""
    codes = list(Channel.objects.filter(is_active=True).order_by("code").values_list("code", flat=True))
    if not codes:
        return {}
    columns = ", ".join("avg((channels ->> %s)::int)" for _code in codes)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {columns} FROM quality_productscore", codes)
        row = cursor.fetchone()
    return {code: round(float(value), 1) for code, value in zip(codes, row, strict=True) if value is not None}


def open_blocking_per_channel() -> dict[str, int]:
    """Channel code (or "*" for every channel) → open blocking findings."""
    rows = (
        Finding.objects.filter(resolved_at__isnull=True, severity=Severity.BLOCKING)
        .values_list("channel__code")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {code or "*": n for code, n in rows}


def open_by_rule() -> dict[str, int]:
    rows = (
        Finding.objects.filter(resolved_at__isnull=True)
        .values_list("rule")
        .annotate(n=Count("id"))
        .order_by()
    )
    return dict(sorted(rows, key=lambda row: -row[1]))
