"""Writes of the quality app: run the rules over products, keep their findings and scores, and record
what a feed run held back.

A check upserts one finding per (rule, product, channel, locale, asset) key in one statement, resolves
in another the open findings of the rules it ran that did not fire again on those products, and
recomputes the products' scores: three statements per batch whatever the number of findings.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from apps.core.models import Channel, User
from apps.core.services import audit_record
from apps.core.stored_text import joined, parts_of, remembered, said
from apps.products.models import Product
from apps.quality.models import Finding, Severity
from apps.quality.registry import Batch, CheckContext, Hit, Rule, active_rules, rules

log = logging.getLogger(__name__)

# Points a product loses per open finding: a blocking one keeps it off a channel, a warning does not.
PENALTY = {Severity.BLOCKING: 20, Severity.WARNING: 5}

_UPSERT = """
INSERT INTO quality_finding
    (rule, category, severity, product_id, channel_id, locale, asset_id, message, message_parts, details,
     first_seen, last_seen, resolved_at)
SELECT t.rule, t.category, t.severity, t.product_id, t.channel_id, t.locale, t.asset_id, t.message,
       t.parts::jsonb, t.details::jsonb, %(at)s, %(at)s, NULL
FROM unnest(%(rule)s::varchar[], %(category)s::varchar[], %(severity)s::varchar[], %(product)s::bigint[],
            %(channel)s::bigint[], %(locale)s::varchar[], %(asset)s::bigint[], %(message)s::text[],
            %(parts)s::text[], %(details)s::text[])
     AS t(rule, category, severity, product_id, channel_id, locale, asset_id, message, parts, details)
ON CONFLICT ON CONSTRAINT quality_finding_key DO UPDATE SET
    category = EXCLUDED.category, severity = EXCLUDED.severity, message = EXCLUDED.message,
    message_parts = EXCLUDED.message_parts, details = EXCLUDED.details, last_seen = EXCLUDED.last_seen,
    first_seen = CASE WHEN quality_finding.resolved_at IS NULL THEN quality_finding.first_seen
                      ELSE EXCLUDED.first_seen END,
    resolved_at = NULL
RETURNING (xmax = 0), first_seen = %(at)s
"""

_RESOLVE = """
UPDATE quality_finding SET resolved_at = %(at)s
WHERE resolved_at IS NULL AND last_seen < %(at)s
  AND rule = ANY(%(rules)s::varchar[]) AND product_id = ANY(%(ids)s::bigint[])
"""

_SCORES = """
WITH batch AS (SELECT unnest(%(ids)s::bigint[]) AS id),
open AS (
    SELECT f.product_id, f.channel_id, f.severity FROM quality_finding f
    WHERE f.product_id = ANY(%(ids)s::bigint[]) AND f.resolved_at IS NULL
),
totals AS (
    SELECT b.id, count(o.severity) FILTER (WHERE o.severity = 'blocking') AS blocking,
           count(o.severity) FILTER (WHERE o.severity = 'warning') AS warnings
    FROM batch b LEFT JOIN open o ON o.product_id = b.id GROUP BY b.id
),
per_channel AS (
    SELECT s.id, jsonb_object_agg(s.code, s.score) AS channels FROM (
        SELECT b.id, c.code, GREATEST(0, 100
            - %(blocking)s * count(o.severity) FILTER (WHERE o.severity = 'blocking')
            - %(warning)s * count(o.severity) FILTER (WHERE o.severity = 'warning')) AS score
        FROM batch b CROSS JOIN core_channel c
        LEFT JOIN open o ON o.product_id = b.id AND (o.channel_id IS NULL OR o.channel_id = c.id)
        WHERE c.is_active GROUP BY b.id, c.code
    ) s GROUP BY s.id
)
INSERT INTO quality_productscore (product_id, score, blocking, warnings, channels, checked_at)
SELECT t.id, GREATEST(0, 100 - %(blocking)s * t.blocking - %(warning)s * t.warnings), t.blocking, t.warnings,
       COALESCE(pc.channels, '{}'::jsonb), %(at)s
FROM totals t JOIN products_product p ON p.id = t.id LEFT JOIN per_channel pc ON pc.id = t.id
ON CONFLICT (product_id) DO UPDATE SET score = EXCLUDED.score, blocking = EXCLUDED.blocking,
    warnings = EXCLUDED.warnings, channels = EXCLUDED.channels, checked_at = EXCLUDED.checked_at
"""


@dataclass
class CheckReport:
    products: int = 0
    rules: list[str] = field(default_factory=list)
    opened: int = 0
    reopened: int = 0
    still_open: int = 0
    resolved: int = 0
    by_rule: dict[str, int] = field(default_factory=dict)

    def add(self, other: CheckReport) -> None:
        self.products += other.products
        self.rules = other.rules
        self.opened += other.opened
        self.reopened += other.reopened
        self.still_open += other.still_open
        self.resolved += other.resolved
        for code, count in other.by_rule.items():
            self.by_rule[code] = self.by_rule.get(code, 0) + count


def _keyed(rule: Rule, hits: Iterable[Hit]) -> dict[tuple, tuple[Rule, Hit]]:
    keyed: dict[tuple, tuple[Rule, Hit]] = {}
    for hit in hits:
        keyed.setdefault((rule.code, hit.product_id, hit.channel_id, hit.locale, hit.asset_id), (rule, hit))
    return keyed


def _upsert(rows: Sequence[tuple[Rule, Hit]], at: datetime) -> tuple[int, int, int]:
    """Insert new findings, refresh open ones and reopen resolved ones; (opened, reopened, still open).
    A reopened finding starts a new life (first seen now), which is how it is told from a refreshed one."""
    if not rows:
        return 0, 0, 0
    params = {
        "at": at,
        "rule": [rule.code for rule, _hit in rows],
        "category": [rule.category for rule, _hit in rows],
        "severity": [rule.severity for rule, _hit in rows],
        "product": [hit.product_id for _rule, hit in rows],
        "channel": [hit.channel_id for _rule, hit in rows],
        "locale": [hit.locale for _rule, hit in rows],
        "asset": [hit.asset_id for _rule, hit in rows],
        "message": [hit.message[:2000] for _rule, hit in rows],
        "parts": [json.dumps(parts_of(hit.message), default=str) for _rule, hit in rows],
        "details": [json.dumps(hit.details, default=str, sort_keys=True) for _rule, hit in rows],
    }
    with connection.cursor() as cursor:
        cursor.execute(_UPSERT, params)
        returned = cursor.fetchall()
    opened = sum(1 for inserted, _fresh in returned if inserted)
    reopened = sum(1 for inserted, fresh in returned if fresh and not inserted)
    return opened, reopened, len(returned) - opened - reopened


def _resolve(codes: list[str], ids: list[int], at: datetime) -> int:
    with connection.cursor() as cursor:
        cursor.execute(_RESOLVE, {"at": at, "rules": codes, "ids": ids})
        return cursor.rowcount


def scores_recompute(product_ids: Sequence[int], at: datetime | None = None) -> None:
    """Score each product from its open findings, overall and per active channel, in one statement."""
    ids = sorted(set(product_ids))
    if not ids:
        return
    params = {
        "ids": ids,
        "at": at or timezone.now(),
        "blocking": PENALTY[Severity.BLOCKING],
        "warning": PENALTY[Severity.WARNING],
    }
    with connection.cursor() as cursor:
        cursor.execute(_SCORES, params)


def quality_check(
    *,
    product_ids: Iterable[int],
    rule_codes: Iterable[str] | None = None,
    ctx: CheckContext | None = None,
    actor: User | None = None,
    audit: bool = True,
) -> CheckReport:
    """Run rules (all, or those named) over products; findings that no longer fire are resolved."""
    ctx = ctx or CheckContext(at=timezone.now())
    chosen = active_rules(rule_codes)
    batch = Batch(ctx, product_ids)
    if not ctx.whole_catalog and batch.ids:
        involved = set().union(*(rule.involved(batch) for rule in chosen)) - set(batch.ids)
        if involved:
            batch = Batch(ctx, [*batch.ids, *involved])
    ids = [pid for pid in batch.ids if pid in batch.products]
    if len(ids) != len(batch.ids):  # deleted since the check was queued: the rules see only what exists
        batch = Batch(ctx, ids)
    report = CheckReport(products=len(ids), rules=[rule.code for rule in chosen])
    if not ids or not chosen:
        return report
    found: dict[tuple, tuple[Rule, Hit]] = {}
    for rule in chosen:
        keyed = _keyed(rule, rule.run(batch))
        report.by_rule[rule.code] = len(keyed)
        found.update(keyed)
    at = timezone.now()
    with transaction.atomic():
        report.opened, report.reopened, report.still_open = _upsert(list(found.values()), at)
        report.resolved = _resolve(report.rules, ids, at)
        scores_recompute(ids, at)
        if audit:
            audit_record(
                actor=actor,
                action="quality.check",
                object_type="quality",
                object_code=_describe(ids),
                diff={
                    "products": len(ids),
                    "rules": report.rules if rule_codes is not None else "all",
                    "opened": report.opened,
                    "reopened": report.reopened,
                    "still_open": report.still_open,
                    "resolved": report.resolved,
                },
            )
    return report


def _describe(ids: Sequence[int]) -> str:
    if len(ids) == 1:
        return Product.objects.filter(pk=ids[0]).values_list("sku", flat=True).first() or str(ids[0])
    return f"#{ids[0]}–#{ids[-1]} ({len(ids)})"  # product ids: the audit log shows it in any language


def product_chunks(size: int | None = None) -> Iterator[list[int]]:
    """Every product id of the catalog, in primary-key order, `size` at a time (keyset pagination)."""
    size = size or settings.NOEL_QUALITY_CHUNK
    last = 0
    while True:
        ids = list(Product.objects.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:size])
        if not ids:
            return
        yield ids
        last = ids[-1]


def quality_check_catalog(
    *, actor: User | None = None, rule_codes: Iterable[str] | None = None, chunk: int | None = None
) -> CheckReport:
    """The nightly run: every product, chunk by chunk, sharing one context (catalog-wide data built
    once); one audit row for the whole run rather than one per chunk."""
    ctx = CheckContext(at=timezone.now(), whole_catalog=True)
    total = CheckReport()
    for ids in product_chunks(chunk):
        total.add(quality_check(product_ids=ids, rule_codes=rule_codes, ctx=ctx, actor=actor, audit=False))
    audit_record(
        actor=actor,
        action="quality.check_catalog",
        object_type="quality",
        object_code="catalog",
        diff={
            "products": total.products,
            "opened": total.opened,
            "reopened": total.reopened,
            "still_open": total.still_open,
            "resolved": total.resolved,
        },
    )
    log.info(
        "quality: %s products checked, %s open findings",
        total.products,
        total.opened + total.reopened + total.still_open,
    )
    return total


@dataclass(frozen=True, slots=True)
class HeldBack:
    """An item a feed run left out, and why (as the channels app records it)."""

    product_id: int
    field: str
    rule: str
    message: str
    parts: list = field(default_factory=list)  # how the message was made (apps.core.stored_text)


@transaction.atomic
def feed_held_back_record(*, channel: Channel, run: int | str, items: Iterable[HeldBack]) -> CheckReport:
    """After a feed run: one finding per product and channel naming what was held back; the channel's
    feed findings of products no longer held back are resolved. Items held back *because of* a quality
    finding are not recorded again (that finding already says it)."""
    rule = rules["feed_held_back"]
    grouped: dict[int, list[HeldBack]] = {}
    for item in items:
        if item.product_id and not item.rule.startswith("quality:"):
            grouped.setdefault(item.product_id, []).append(item)
    hits = [
        Hit(
            product_id=pid,
            channel_id=channel.pk,
            message=joined((i.field, remembered(i.message, i.parts)) for i in issues),
            details={"run": run, "issues": [{"field": i.field, "rule": i.rule} for i in issues]},
        )
        for pid, issues in sorted(grouped.items())
    ]
    at = timezone.now()
    report = CheckReport(rules=[rule.code])
    report.opened, report.reopened, report.still_open = _upsert(list(_keyed(rule, hits).values()), at)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE quality_finding SET resolved_at = %s WHERE resolved_at IS NULL AND last_seen < %s "
            "AND rule = %s AND channel_id = %s",
            [at, at, rule.code, channel.pk],
        )
        report.resolved = cursor.rowcount
    touched = set(grouped)
    if report.resolved:
        touched |= set(
            Finding.objects.filter(rule=rule.code, channel=channel, resolved_at=at).values_list(
                "product_id", flat=True
            )
        )
    scores_recompute(sorted(touched), at)
    audit_record(
        actor=None,
        action="quality.feed_held_back",
        object_type="channel",
        object_code=channel.code,
        diff={"run": run, "held_back": len(hits), "resolved": report.resolved},
    )
    return report


@transaction.atomic
def import_pictures_missing_record(*, actor: User | None, pictures: Sequence[tuple[str, str, str]]) -> int:
    """In an import's transaction: (SKU, attribute code, file name) of the pictures it named and did not
    find, one finding per product, kept open by the checks until the product has a picture (rule
    `import_picture_missing`); how many products were flagged."""
    rule = rules["import_picture_missing"]
    ids = dict(
        Product.objects.filter(sku__in={sku for sku, _code, _name in pictures}).values_list("sku", "pk")
    )
    grouped: dict[int, list[tuple[str, str]]] = {}
    for sku, code, name in pictures:
        if sku in ids:
            grouped.setdefault(ids[sku], []).append((code, name))
    if not grouped:
        return 0
    hits = []
    for pid, missing in sorted(grouped.items()):
        names = sorted({name for _code, name in missing})
        message = (
            said(gettext_noop("picture %(name)s named in the import was missing"), name=names[0])
            if len(names) == 1
            else said(
                gettext_noop("pictures %(names)s named in the import were missing"), names=", ".join(names)
            )
        )
        details = {"attributes": sorted({code for code, _name in missing if code}), "files": names}
        hits.append(Hit(product_id=pid, message=message, details=details))
    at = timezone.now()
    _upsert(list(_keyed(rule, hits).values()), at)
    scores_recompute(sorted(grouped), at)
    audit_record(
        actor=actor,
        action="quality.import_pictures_missing",
        object_type="quality",
        object_code=_describe(sorted(grouped)),
        diff={"products": len(grouped), "pictures": len(pictures)},
    )
    return len(grouped)


# On change: the lower apps announce their changes after commit; the touched products are re-checked in
# Celery tasks of at most NOEL_QUALITY_CHUNK products each.


def quality_check_queue(product_ids: Iterable[int]) -> int:
    """Queue re-checks of these products (and of the variants below them, which inherit their values)."""
    from apps.quality import tasks

    ids = set(product_ids)
    if not ids:
        return 0
    children = set(Product.objects.filter(parent_id__any=ids).values_list("pk", flat=True))
    if children:
        children |= set(Product.objects.filter(parent_id__any=children).values_list("pk", flat=True))
    ordered = sorted(ids | children)
    size = settings.NOEL_QUALITY_CHUNK
    for start in range(0, len(ordered), size):
        tasks.check_products.delay(ordered[start : start + size])
    return len(ordered)


def quality_check_queue_skus(skus: Sequence[str], *, in_worker: bool = False) -> int:
    """Queue re-checks of products named by SKU. More than a chunk of them (an import) are looked up and
    queued by a worker: the import that changed them returns without waiting for it."""
    from apps.quality import tasks

    if not in_worker and len(skus) > settings.NOEL_QUALITY_CHUNK:
        tasks.queue_checks.delay(list(skus))
        return len(skus)
    return quality_check_queue(Product.objects.filter(sku__any=list(skus)).values_list("pk", flat=True))


def _on_products(event) -> None:
    quality_check_queue_skus(event.skus)


def _on_product_ids(event) -> None:
    quality_check_queue(event.product_ids)


def _on_assets(event) -> None:
    quality_check_queue_skus(event.skus)


def _on_campaign(event) -> None:
    from apps.campaigns.models import Campaign
    from apps.campaigns.selectors import campaign_products

    campaign = Campaign.objects.filter(code=event.code).first()
    if campaign is not None:
        quality_check_queue(facts.product_id for facts in campaign_products(campaign))


def subscribe() -> None:
    from apps.assets.events import AssetsChanged, AssetsExpired
    from apps.campaigns.events import CampaignChanged
    from apps.core import events
    from apps.inventory.events import StockChanged
    from apps.pricing.events import EffectivePricesChanged
    from apps.products.events import ProductsChanged

    events.subscribe(ProductsChanged, _on_products)
    events.subscribe(EffectivePricesChanged, _on_product_ids)
    events.subscribe(StockChanged, _on_product_ids)
    events.subscribe(AssetsChanged, _on_assets)
    events.subscribe(AssetsExpired, _on_assets)
    events.subscribe(CampaignChanged, _on_campaign)
