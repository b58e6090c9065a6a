"""Reads of campaigns: which products a promotion targets, what it does to their prices at an instant,
and the guard rails. All set-based: a few queries for a batch of 10,000 prices, never one per row.

The same `_resolve` serves the price modifier that pricing calls (stored recompute and previews at any
instant, through apps.pricing.selectors.prices_at) and the approver's page and guard rails, so what is
checked and shown before approval is what the switch produces.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection
from django.db.models import Prefetch, Q, QuerySet, prefetch_related_objects
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from apps.assets.models import Asset
from apps.assets.selectors import Usage, channels_images
from apps.campaigns.models import APPLYING, Banner, Benefit, Campaign, Promotion, PromotionOverride
from apps.core.models import Channel
from apps.core.money import currency_exponent, format_money
from apps.inventory.selectors import StockoutRisk, available_to_sell, demand_history
from apps.pricing.modifiers import Adjustment, awaiting_approval
from apps.pricing.selectors import base_price_minima
from apps.products.models import Category, Completeness, Family, Product
from apps.products.selectors import products_missing_image

FILTER_KEYS = frozenset({"family", "category", "brand", "sku_prefix", "status"})


def max_discount() -> Decimal:
    return Decimal(str(getattr(settings, "NOEL_CAMPAIGN_MAX_DISCOUNT", "0.70")))


def usual_discount() -> Decimal:
    """The share off above which a typed percentage is confirmed before it is kept."""
    return Decimal(str(getattr(settings, "NOEL_CAMPAIGN_USUAL_DISCOUNT", "0.50")))


@dataclass(frozen=True, slots=True)
class Facts:
    """What targeting looks at, inherited down from product models: a variant is in its model's
    categories, has its brand, and is targeted by its model's SKU."""

    product_id: int
    skus: frozenset[str]
    family: str
    categories: frozenset[str]
    brand: str
    status: str


# The brand is read only when a target asks for it: it means reading each product's whole values document.
_BRAND = "COALESCE(p.values #>> '{brand,*,*}', pp.values #>> '{brand,*,*}', ppp.values #>> '{brand,*,*}', '')"
_FACTS_SQL = """
SELECT p.id, p.sku, pp.sku, ppp.sku, f.code,
       p.categories || COALESCE(pp.categories, '{}') || COALESCE(ppp.categories, '{}'), BRAND, p.status
FROM products_product p
JOIN products_family f ON f.id = p.family_id
LEFT JOIN products_product pp ON pp.id = p.parent_id
LEFT JOIN products_product ppp ON ppp.id = pp.parent_id
"""


def _facts_rows(where: str, params: list, brands: bool) -> Iterator[Facts]:
    sql = _FACTS_SQL.replace("BRAND", _BRAND if brands else "''", 1)
    with connection.cursor() as cursor:
        cursor.execute(f"{sql} WHERE {where} ORDER BY p.id", params)
        while rows := cursor.fetchmany(5000):
            for pid, sku, parent, grand, family, categories, brand, status in rows:
                skus = frozenset(s for s in (sku, parent, grand) if s)
                yield Facts(pid, skus, family, frozenset(categories), brand.casefold(), status)


def product_facts(product_ids: Iterable[int], *, brands: bool = True) -> Iterator[Facts]:
    return _facts_rows("p.id = ANY(%s::bigint[])", [sorted(set(product_ids))], brands)


def sellable_facts(*, brands: bool = True) -> Iterator[Facts]:
    """Every sellable product (not models), streamed: the scan behind a campaign's affected products."""
    return _facts_rows("NOT p.is_model", [], brands)


def need_brands(targets: Iterable[Target]) -> bool:
    return any(t.brands or "brand" in t.filter for t in targets)


def category_subtrees(codes: Iterable[str]) -> dict[str, frozenset[str]]:
    """Category code → the codes of its whole subtree, in two queries whatever the number of codes."""
    nodes = dict(Category.objects.filter(code__in=set(codes)).values_list("code", "path"))
    if not nodes:
        return {}
    below = Q()
    for path in nodes.values():
        below |= Q(path__startswith=path)
    all_nodes = list(Category.objects.filter(below).values_list("code", "path"))
    return {code: frozenset(c for c, p in all_nodes if p.startswith(path)) for code, path in nodes.items()}


@dataclass(frozen=True)
class Target:
    """A promotion's target compiled once per batch into sets, so matching a product is a few lookups."""

    skus: frozenset[str]
    categories: frozenset[str]
    families: frozenset[str]
    brands: frozenset[str]
    filter: dict = field(default_factory=dict)
    filter_categories: frozenset[str] = frozenset()

    def matches(self, facts: Facts) -> bool:
        return bool(
            (self.skus & facts.skus)
            or (self.categories & facts.categories)
            or facts.family in self.families
            or (facts.brand and facts.brand in self.brands)
            or (self.filter and self._filter_matches(facts))
        )

    def _filter_matches(self, facts: Facts) -> bool:
        f = self.filter
        return (
            ("family" not in f or facts.family in f["family"])
            and ("category" not in f or bool(self.filter_categories & facts.categories))
            and ("brand" not in f or facts.brand in {b.casefold() for b in f["brand"]})
            and ("sku_prefix" not in f or any(s.startswith(f["sku_prefix"]) for s in facts.skus))
            and ("status" not in f or facts.status in f["status"])
        )


def compile_targets(promotions: Sequence[Promotion]) -> dict[int, Target]:
    """Promotion id → Target, expanding every category subtree in one go."""
    codes = set()
    for promotion in promotions:
        codes.update(promotion.categories)
        codes.update((promotion.product_filter or {}).get("category", []))
    subtrees = category_subtrees(codes)

    def expand(names: Iterable[str]) -> frozenset[str]:
        return frozenset(c for name in names for c in subtrees.get(name, ()))

    return {
        p.pk: Target(
            skus=frozenset(p.skus),
            categories=expand(p.categories),
            families=frozenset(p.families),
            brands=frozenset(b.casefold() for b in p.brands),
            filter=dict(p.product_filter or {}),
            filter_categories=expand((p.product_filter or {}).get("category", [])),
        )
        for p in promotions
    }


def _promotions(queryset) -> list[Promotion]:
    """Promotions with their campaign, the campaign's channels (with currency) and overrides: 3 queries."""
    return list(
        queryset.select_related("campaign")
        .prefetch_related(
            Prefetch("campaign__channels", queryset=Channel.objects.only("id", "code", "currency_id")),
            Prefetch("overrides", queryset=PromotionOverride.objects.all()),
        )
        .order_by("-priority", "campaign__starts_at", "code")
    )


def promotions_in_force(at: datetime, *, including: Campaign | None = None) -> list[Promotion]:
    """Promotions whose campaign applies at `at`, best first; `including` adds a campaign not yet
    approved (what it would do, for its guard rails and its approver)."""
    applying = Q(campaign__status__in=APPLYING)
    if awaiting_approval():  # a preview "as if approved" (apps.pricing.modifiers), never a published feed
        applying |= Q(campaign__status=Campaign.Status.SUBMITTED)
    if including is not None:
        applying |= Q(campaign=including)
    return _promotions(
        Promotion.objects.filter(applying, campaign__starts_at__lte=at, campaign__ends_at__gt=at)
    )


def benefit_for(promotion: Promotion, channel_id: int) -> tuple[str, Decimal]:
    for override in promotion.overrides.all():
        if override.channel_id == channel_id:
            return override.benefit, override.value
    return promotion.benefit, promotion.value


def apply_benefit(benefit: str, value: Decimal, amount: Decimal) -> Decimal:
    if benefit == Benefit.PERCENTAGE_OFF:
        return amount * (1 - value / 100)
    if benefit == Benefit.AMOUNT_OFF:
        return amount - value
    return value


@dataclass(frozen=True)
class Resolved:
    """What the promotions in force do to one price: the amount (maybe not below the base: the guard
    rails report it, the modifier ignores it) and which promotions made it."""

    base: Decimal
    amount: Decimal
    promotions: tuple[Promotion, ...]

    @property
    def codes(self) -> str:
        return "+".join(p.code for p in self.promotions)

    def adjustment(self) -> Adjustment:
        return Adjustment(
            amount=self.amount,
            promotion=self.codes[:100],
            valid_from=max(p.campaign.starts_at for p in self.promotions),
            valid_until=min(p.campaign.ends_at for p in self.promotions),
        )


def _resolve(
    rows: Sequence[tuple[int, int, Decimal]], promotions: Sequence[Promotion]
) -> dict[tuple[int, int], Resolved]:
    """Best promotion first (priority, then earliest campaign): an exclusive one applies alone; otherwise
    every cumulative promotion applies in turn and exclusive ones are left out."""
    if not rows or not promotions:
        return {}
    channel_ids = {channel for _p, channel, _b in rows}
    on_channel: dict[int, set[int]] = defaultdict(set)
    currencies: dict[int, str] = {}
    for promotion in promotions:
        for channel in promotion.campaign.channels.all():
            if channel.pk in channel_ids:
                on_channel[channel.pk].add(promotion.pk)
                currencies[channel.pk] = channel.currency_id
    if not on_channel:
        return {}
    targets = compile_targets(promotions)
    matched = {
        facts.product_id: tuple(p for p in promotions if targets[p.pk].matches(facts))
        for facts in product_facts(
            (p for p, channel, _b in rows if channel in on_channel), brands=need_brands(targets.values())
        )
    }
    # Per channel, what each set of matching promotions comes to, worked out once rather than per row.
    benefits = {(p.pk, c): benefit_for(p, c) for p in promotions for c in on_channel}
    places = {c: Decimal(1).scaleb(-currency_exponent(currency)) for c, currency in currencies.items()}
    chosen_for: dict[tuple[int, tuple[Promotion, ...]], tuple[Promotion, ...]] = {}
    resolved = {}
    for product_id, channel_id, base in rows:
        hits = matched.get(product_id)
        if not hits or channel_id not in on_channel:
            continue
        key = (channel_id, hits)
        chosen = chosen_for.get(key)
        if chosen is None:
            here = on_channel[channel_id]
            applicable = [p for p in hits if p.pk in here]
            if not applicable:
                chosen = ()
            elif applicable[0].stacking == Promotion.Stacking.EXCLUSIVE:
                chosen = tuple(applicable[:1])
            else:
                chosen = tuple(p for p in applicable if p.stacking == Promotion.Stacking.CUMULATIVE)
            chosen_for[key] = chosen
        if not chosen:
            continue
        amount = base
        for promotion in chosen:
            amount = apply_benefit(*benefits[(promotion.pk, channel_id)], amount)
        amount = max(amount, Decimal(0)).quantize(places[channel_id], rounding=ROUND_HALF_UP)
        resolved[(product_id, channel_id)] = Resolved(base, amount, chosen)
    return resolved


def campaign_adjustments(
    rows: Sequence[tuple[int, int, Decimal]], at: datetime
) -> dict[tuple[int, int], Adjustment]:
    """The price modifier registered with pricing: promotions of approved, scheduled or live campaigns
    in force at `at`. A promotion never raises a price, nor claims one it leaves unchanged."""
    if not rows:
        return {}
    resolved = _resolve(rows, promotions_in_force(at))
    return {pair: r.adjustment() for pair, r in resolved.items() if r.amount < r.base}


REFERENCE_DAYS = 30  # EU directive 2019/2161 (Omnibus), French Code de la consommation L112-1-1


@dataclass(frozen=True)
class ReferencePrice:
    """The price a reduction may be announced from: the lowest effective price (promotions included)
    of the 30 days before the promotion began on the channel. `since` is when the promotion began: for
    successive markdowns without a break, the first one. `amount` is None when no price was applied in
    those 30 days (a product first priced in its promotion: there is nothing to announce a reduction from)."""

    amount: Decimal | None
    since: datetime
    window_from: datetime


def _applied_window(campaign: Campaign) -> tuple[datetime, datetime]:
    """When a campaign's prices apply: its window, cut short when it was cancelled while running."""
    if campaign.status == Campaign.Status.CANCELLED and campaign.ended_at:
        return campaign.starts_at, max(campaign.starts_at, min(campaign.ends_at, campaign.ended_at))
    return campaign.starts_at, campaign.ends_at


def _history_campaigns(at: datetime, including: Campaign | None) -> list[Campaign]:
    """Campaigns whose prices applied (or will have applied) before `at`: the ones the engine applies,
    plus cancelled ones for the time they ran."""
    applying = Q(status__in=APPLYING) | Q(status=Campaign.Status.CANCELLED, started_at__isnull=False)
    if awaiting_approval():
        applying |= Q(status=Campaign.Status.SUBMITTED)
    if including is not None:
        applying |= Q(pk=including.pk)
    return list(Campaign.objects.filter(applying, starts_at__lte=at).only(
        "id", "status", "starts_at", "ends_at", "ended_at"
    ))  # fmt: skip


def reference_prices(
    rows: Sequence[tuple[int, int, Decimal]],
    at: datetime,
    *,
    including: Campaign | None = None,
    promoted: Iterable[tuple[int, int]] | None = None,
) -> dict[tuple[int, int], ReferencePrice]:
    """(product, channel, base price now) rows → the reference price of each pair a promotion applies to
    at `at` (pairs without one are left out). `including` counts a campaign not yet approved (its review);
    `promoted` is the pairs known to be in a promotion at `at` (the review resolved them already).

    Set-based whatever the number of products: the time from the 30 days before the earliest possible
    start of the promotion up to `at` is cut wherever a campaign starts or ends; one query gives, per pair
    and slice, the lowest base price the price history shows; the promotion engine then prices each slice
    once for every pair, from that lowest base (a promotion never turns a lower base into a higher price).
    """
    if not rows:
        return {}
    days = timedelta(days=REFERENCE_DAYS)
    campaigns = [
        c for c in _history_campaigns(at, including) if _applied_window(c)[1] > _applied_window(c)[0]
    ]
    windows = {c.pk: _applied_window(c) for c in campaigns}
    live = [c for c in campaigns if windows[c.pk][0] <= at < windows[c.pk][1]]
    if not live:
        return {}
    if promoted is None:
        promotions = _promotions(Promotion.objects.filter(campaign__in=live))
        promoted = [pair for pair, r in _resolve(rows, promotions).items() if r.amount < r.base]
    pairs = sorted(set(promoted))
    if not pairs:
        return {}
    # The earliest a promotion in force at `at` can have begun: campaigns meeting or overlapping without
    # a break, back from those in force (successive markdowns keep the reference of the first).
    earliest = min(windows[c.pk][0] for c in live)
    moved = True
    while moved:
        moved = False
        for since, until in windows.values():
            if since < earliest <= until:
                earliest, moved = since, True
    horizon = earliest - days
    relevant = [c for c in campaigns if windows[c.pk][0] < at and windows[c.pk][1] > horizon]
    bounds = {at} | {t for c in relevant for t in windows[c.pk] if earliest <= t <= at}
    cuts = (
        {horizon, at}
        | {t - days for t in bounds}
        | {t for c in relevant for t in windows[c.pk] if horizon < t < at}
    )
    cuts = sorted(t for t in cuts if horizon <= t <= at)
    slices = list(itertools.pairwise(cuts))
    minima = base_price_minima(pairs, cuts)
    everything = _promotions(Promotion.objects.filter(campaign__in=relevant)) if relevant else []
    effective: dict[tuple[int, int], dict[int, Decimal]] = defaultdict(dict)
    discounted: set[tuple[int, int, int]] = set()
    for index, (since, until) in enumerate(slices):
        here = [
            p for p in everything if windows[p.campaign_id][0] <= since and until <= windows[p.campaign_id][1]
        ]
        slice_rows = [(p, c, lows[index]) for (p, c), lows in minima.items() if index in lows]
        resolved = _resolve(slice_rows, here) if here else {}
        for product_id, channel_id, base in slice_rows:
            r = resolved.get((product_id, channel_id))
            if r is not None and r.amount < r.base:
                effective[(product_id, channel_id)][index] = r.amount
                discounted.add((product_id, channel_id, index))
            else:
                effective[(product_id, channel_id)][index] = base
    result = {}
    for pair in pairs:
        index = len(slices) - 1
        while index >= 0 and (*pair, index) in discounted:
            index -= 1
        since = slices[index + 1][0] if index + 1 < len(slices) else at
        window_from = since - days
        lows = effective.get(pair, {})
        # A slice partly inside the 30 days counts whole: the reference may only come out lower, the
        # side the law errs on.
        inside = [
            lows[i]
            for i, (start, end) in enumerate(slices)
            if i in lows and end > window_from and start < since
        ]
        result[pair] = ReferencePrice(min(inside) if inside else None, since, window_from)
    return result


def campaign_references(
    rows: Sequence[tuple[int, int, Decimal]], at: datetime
) -> dict[tuple[int, int], Decimal | None]:
    """The reference source registered with pricing: the reference amount of each promoted pair."""
    return {pair: ref.amount for pair, ref in reference_prices(rows, at).items()}


def campaign_promotions(campaign: Campaign) -> list[Promotion]:
    return _promotions(campaign.promotions.all())


def campaign_products(campaign: Campaign) -> list[Facts]:
    """The sellable products any of the campaign's promotions targets (one scan of the catalog)."""
    return campaigns_products([campaign])[campaign.pk]


def campaigns_products(campaigns: Sequence[Campaign]) -> dict[int, list[Facts]]:
    """Campaign id → the sellable products it targets, for many campaigns in one scan of the catalog
    (the dashboard's readiness of every upcoming campaign costs what one campaign costs)."""
    promotions = _promotions(Promotion.objects.filter(campaign__in=[c.pk for c in campaigns]))
    result: dict[int, list[Facts]] = {c.pk: [] for c in campaigns}
    if not promotions:
        return result
    targets = compile_targets(promotions)
    by_campaign: dict[int, list[Target]] = defaultdict(list)
    for promotion in promotions:
        by_campaign[promotion.campaign_id].append(targets[promotion.pk])
    for facts in sellable_facts(brands=need_brands(targets.values())):
        for campaign_id, wanted in by_campaign.items():
            if any(t.matches(facts) for t in wanted):
                result[campaign_id].append(facts)
    return result


_PRICES_SQL = """
SELECT pr.product_id, pr.channel_id, pr.amount, pr.cost
FROM pricing_price pr
JOIN core_channel c ON c.id = pr.channel_id AND c.currency_id = pr.currency
WHERE pr.product_id = ANY(%s::bigint[]) AND pr.channel_id = ANY(%s::bigint[])
"""


def base_prices(
    product_ids: Iterable[int], channel_ids: Iterable[int]
) -> dict[tuple[int, int], tuple[Decimal, Decimal | None]]:
    """(product, channel) → (base amount in the channel's currency, cost), in one query."""
    with connection.cursor() as cursor:
        cursor.execute(_PRICES_SQL, [sorted(set(product_ids)), sorted(set(channel_ids))])
        return {(p, c): (amount, cost) for p, c, amount, cost in cursor.fetchall()}


def campaign_pairs(campaign: Campaign) -> list[tuple[int, int]]:
    """(product, channel) pairs whose effective price the campaign switches: targeted and priced."""
    channel_ids = list(campaign.channels.values_list("pk", flat=True))
    ids = [f.product_id for f in campaign_products(campaign)]
    return sorted(base_prices(ids, channel_ids)) if ids and channel_ids else []


def instant_to_check(campaign: Campaign, now: datetime) -> datetime:
    """The campaign's prices are judged when it runs: at its start, or now if it is already running."""
    return now if campaign.starts_at <= now < campaign.ends_at else campaign.starts_at


@dataclass(frozen=True)
class PriceChange:
    """One line of the approver's page: a product's price on a channel before and during the campaign."""

    product_id: int
    sku: str
    channel: str
    currency: str
    old: Decimal
    new: Decimal
    cost: Decimal | None
    promotions: str
    reference: Decimal | None = None  # the lowest price of the 30 days before the promotion began
    reference_since: datetime | None = None  # when the promotion began (the first of successive ones)


@dataclass(frozen=True)
class Finding:
    """One guard-rail result for one product on one channel, with the rule and its numbers."""

    rule: str
    severity: str  # "error" blocks submission and start; "warning" does not
    sku: str
    channel: str
    message: str
    numbers: dict = field(default_factory=dict)

    @property
    def shown(self) -> str:
        """The message in the reader's language, where a rule has its words translated."""
        if self.rule == "above_reference" and self.numbers:
            currency = self.numbers["currency"]
            return gettext(
                "%(sku)s on %(channel)s: reduced from %(regular)s, above the reference price %(reference)s "
                "(the lowest in the %(days)d days before the promotion began)"
            ) % {
                "sku": self.sku, "channel": self.channel, "days": REFERENCE_DAYS,
                "regular": format_money(self.numbers["regular"], currency),
                "reference": format_money(self.numbers["reference"], currency),
            }  # fmt: skip
        return self.message

    def as_dict(self) -> dict:
        return {
            "rule": self.rule,
            "severity": self.severity,
            "sku": self.sku,
            "channel": self.channel,
            "message": self.message,
            "numbers": self.numbers,
        }


# What each guard rail is called on screen, in the person's language (the code stays in files and the API).
RULES = {
    "discount_above_max": _("Discount above the maximum"),
    "below_cost": _("Sale price below cost"),
    "not_below_regular": _("Sale price not below the regular price"),
    "exclusive_overlap": _("Overlapping exclusive promotions"),
    "above_reference": _("Reduced from a price above the 30-day reference price"),
    "no_price": _("No price to discount"),
    "not_approved": _("Product not approved"),
    "no_stock": _("No stock to sell"),
    "incomplete": _("Product not complete for the channel"),
}


@dataclass(frozen=True)
class FindingGroup:
    """The findings of one rule: how many, on how many products, and the findings themselves."""

    rule: str
    severity: str
    findings: list[Finding]

    @property
    def label(self) -> str:
        return str(RULES.get(self.rule, self.rule))

    @property
    def count(self) -> int:
        return len(self.findings)

    @property
    def skus(self) -> list[str]:
        return sorted({f.sku for f in self.findings})


def group_findings(findings: Iterable[Finding]) -> list[FindingGroup]:
    """Findings by rule, errors first, then the largest groups first."""
    by_rule: dict[tuple[str, str], list[Finding]] = defaultdict(list)
    for finding in findings:
        by_rule[(finding.severity, finding.rule)].append(finding)
    groups = [FindingGroup(rule, severity, items) for (severity, rule), items in by_rule.items()]
    return sorted(groups, key=lambda g: (g.severity != "error", -g.count, g.rule))


@dataclass
class Impact:
    """Everything an approver needs: each price change and each finding."""

    changes: list[PriceChange]
    findings: list[Finding]
    pairs: list[tuple[int, int]] = field(default_factory=list)  # what the switch marks: targeted, priced

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "warning"]

    def summary(self, at: datetime, limit: int = 200) -> dict:
        return {
            "checked_at": at.isoformat(),
            "products": len({c.product_id for c in self.changes}),
            "errors": len(self.errors),
            "warnings": len(self.warnings),
            "items": [f.as_dict() for f in (self.errors + self.warnings)[:limit]],
        }


def _s(amount: Decimal) -> str:
    """20.0000 → "20", 2.2500 → "2.25", 7.5 → "7.50": how people write prices."""
    if amount == amount.to_integral():
        return f"{amount.quantize(Decimal(1)):f}"
    normal = amount.normalize()
    return f"{normal:f}" if -normal.as_tuple().exponent > 2 else f"{amount.quantize(Decimal('0.01')):f}"


def campaign_impact(campaign: Campaign, *, now: datetime, warnings: bool = True) -> Impact:
    """Old and new price of every targeted product on every channel of the campaign, and the guard
    rails: discount above the maximum, below cost, not below the regular price, two overlapping
    exclusive promotions (errors); no price, no stock, not approved, not complete (warnings)."""
    at = instant_to_check(campaign, now)
    channels = {c.pk: c for c in campaign.channels.all()}
    facts = {f.product_id: f for f in campaign_products(campaign)}
    skus = dict(Product.objects.filter(pk__in=list(facts)).values_list("pk", "sku")) if facts else {}
    prices = base_prices(facts, channels) if facts and channels else {}
    rows = [(p, c, amount) for (p, c), (amount, _cost) in prices.items()]
    in_force = promotions_in_force(at, including=campaign)
    resolved = _resolve(rows, in_force)
    # What the campaign's own promotions would do alone, where another campaign's promotion wins the price
    # (an exclusive one of higher priority): a 90 % typed for 9 % is a mistake even when it loses today,
    # and it wins the day the other campaign ends or is cancelled.
    own = _resolve(rows, [p for p in in_force if p.campaign_id == campaign.pk])
    findings: list[Finding] = []
    changes: list[PriceChange] = []
    limit = max_discount()
    codes = {pk: c.code for pk, c in channels.items()}
    references = reference_prices(
        rows, at, including=campaign, promoted=[pair for pair, r in resolved.items() if r.amount < r.base]
    )
    in_order = sorted(resolved.items(), key=lambda i: (skus[i[0][0]], codes[i[0][1]]))
    for (product_id, channel_id), r in in_order:
        channel, sku, cost = channels[channel_id], skus[product_id], prices[(product_id, channel_id)][1]
        ref = references.get((product_id, channel_id))
        changes.append(
            PriceChange(
                product_id, sku, channel.code, channel.currency_id, r.base, r.amount, cost, r.codes,
                ref.amount if ref else None, ref.since if ref else None,
            )
        )  # fmt: skip
        if any(p.campaign_id == campaign.pk for p in r.promotions):
            findings += _price_findings(r, sku, channel, cost, limit)
            if ref is not None and ref.amount is not None and r.amount < r.base and r.base > ref.amount:
                findings.append(_above_reference(r, sku, channel, ref))
    outshone = [
        (pair, r) for pair, r in own.items()
        if not any(p.campaign_id == campaign.pk for p in getattr(resolved.get(pair), "promotions", ()))
    ]  # fmt: skip
    for (product_id, channel_id), r in sorted(outshone, key=lambda i: (skus[i[0][0]], codes[i[0][1]])):
        channel, cost = channels[channel_id], prices[(product_id, channel_id)][1]
        findings += _price_findings(r, skus[product_id], channel, cost, limit)
    findings += _exclusive_overlaps(campaign, facts, channels, skus)
    if warnings:
        findings += _missing_prices(facts, channels, prices, skus)
        findings += _readiness(facts, channels, skus)
    return Impact(changes, findings, sorted(prices))


def reference_guard_severity() -> str:
    """How a reduction announced from a price above the reference price is reported: "error" (the
    default: the law forbids it; submission and start are refused) or "warning"."""
    severity = getattr(settings, "NOEL_CAMPAIGN_REFERENCE_PRICE_GUARD", "error")
    return severity if severity in ("error", "warning") else "error"


def _above_reference(r: Resolved, sku: str, channel: Channel, ref: ReferencePrice) -> Finding:
    """The price the promotion reduces is above the lowest price of the 30 days before it began: the
    announced reduction (−20 % from a price raised last week) is not one the law allows."""
    since = ref.since.astimezone(ZoneInfo(settings.TIME_ZONE)).strftime("%Y-%m-%d %H:%M")
    return Finding(
        "above_reference", reference_guard_severity(), sku, channel.code,
        f"{sku} on {channel.code}: reduced from {_s(r.base)} {channel.currency_id}, above the reference "
        f"price {_s(ref.amount)} (the lowest in the {REFERENCE_DAYS} days before {since})",
        {"regular": _s(r.base), "sale": _s(r.amount), "reference": _s(ref.amount),
         "currency": channel.currency_id, "since": ref.since.isoformat()},
    )  # fmt: skip


def _price_findings(
    r: Resolved, sku: str, channel: Channel, cost: Decimal | None, limit: Decimal
) -> list[Finding]:
    """The errors of one resolved price: not below the regular price, above the maximum, below cost."""
    share = (r.base - r.amount) / r.base if r.amount < r.base else None
    if share is not None and share <= limit and (cost is None or r.amount >= cost):
        return []  # the common case, kept cheap: nothing to report, no message to format
    numbers = {"regular": _s(r.base), "sale": _s(r.amount), "currency": channel.currency_id}
    where = f"{sku} on {channel.code}: {_s(r.base)} → {_s(r.amount)} {channel.currency_id}"
    if share is None:
        return [
            Finding("not_below_regular", "error", sku, channel.code,
                    f"{where}: the sale price is not below the regular price", numbers)
        ]  # fmt: skip
    findings = []
    if share > limit:
        findings.append(
            Finding("discount_above_max", "error", sku, channel.code,
                    f"{where} is {share * 100:.0f} % off, more than the {limit * 100:.0f} % allowed",
                    {**numbers, "discount_pct": f"{share * 100:.1f}", "max_pct": f"{limit * 100:.0f}"})
        )  # fmt: skip
    if cost is not None and r.amount < cost:
        findings.append(
            Finding("below_cost", "error", sku, channel.code,
                    f"{where} is below the cost {_s(cost)}", {**numbers, "cost": _s(cost)})
        )  # fmt: skip
    return findings


def _missing_prices(facts, channels, prices, skus) -> list[Finding]:
    return [
        Finding("no_price", "warning", skus[pid], channel.code,
                f"{skus[pid]} has no {channel.currency_id} price on {channel.code}: nothing to discount")
        for pid in sorted(facts, key=skus.get)
        for cid, channel in sorted(channels.items(), key=lambda i: i[1].code)
        if (pid, cid) not in prices
    ]  # fmt: skip


def _exclusive_overlaps(campaign: Campaign, facts, channels, skus) -> list[Finding]:
    """A product in two exclusive promotions whose windows overlap on a shared channel: which one wins
    would depend on a priority nobody chose for that product."""
    ours = [p for p in campaign_promotions(campaign) if p.stacking == Promotion.Stacking.EXCLUSIVE]
    if not ours:
        return []
    others = _promotions(
        Promotion.objects.filter(
            stacking=Promotion.Stacking.EXCLUSIVE,
            campaign__status__in=[
                Campaign.Status.SUBMITTED, Campaign.Status.APPROVED, Campaign.Status.SCHEDULED,
                Campaign.Status.LIVE,
            ],
            campaign__starts_at__lt=campaign.ends_at,
            campaign__ends_at__gt=campaign.starts_at,
        ).exclude(campaign=campaign)
    )  # fmt: skip
    everyone = ours + others
    targets = compile_targets(everyone)
    on = {p.pk: {c.pk for c in p.campaign.channels.all()} for p in everyone}
    findings = []
    for pid in sorted(facts, key=skus.get):
        hits = [p for p in everyone if targets[p.pk].matches(facts[pid])]
        if len(hits) < 2:
            continue
        for cid, channel in sorted(channels.items(), key=lambda i: i[1].code):
            here = [p for p in hits if cid in on[p.pk]]
            if len(here) >= 2 and any(p.campaign_id == campaign.pk for p in here):
                codes = [f"{p.code} ({p.campaign.code})" for p in here]
                findings.append(
                    Finding("exclusive_overlap", "error", skus[pid], channel.code,
                            f"{skus[pid]} on {channel.code} is in overlapping exclusive promotions "
                            f"{', '.join(codes)}", {"promotions": codes})
                )  # fmt: skip
    return findings


@dataclass(frozen=True)
class Check:
    """One targeted product on one channel of a campaign: what it needs to sell there."""

    approved: bool
    completeness: int  # lowest over the channel's locales; 100 when nothing is required
    available: int  # available to sell on the channel (safety buffer applied)
    image: bool | None = None  # None: not checked (the guard rails do not look at pictures)

    @property
    def complete(self) -> bool:
        return self.completeness == 100

    @property
    def in_stock(self) -> bool:
        return self.available > 0

    @property
    def ready(self) -> bool:
        return self.approved and self.complete and self.in_stock and self.image is not False


MIN_IMAGE_SIDE = 100  # the smallest main picture any channel accepts (Google Merchant's minimum)


def readiness_checks(
    facts: dict[int, Facts], channels: dict[int, Channel], *, at: datetime | None = None
) -> dict[tuple[int, int], Check]:
    """(product, channel) → Check, in three queries; with `at`, pictures too (five more): a main picture
    the channel may show at `at`, at least 100×100, or, without any picture in the DAM, the family's image
    attribute filled (what the feed falls back to)."""
    if not facts or not channels:
        return {}
    codes = {c.code: c for c in channels.values()}
    stock = available_to_sell(facts, codes)
    lowest: dict[tuple[int, int], int] = {}
    for stored in Completeness.objects.filter(product_id__in=list(facts)).exclude(incomplete=[]):
        for code, scores in stored.by_channel():
            if code in codes:
                lowest[(stored.product_id, codes[code].pk)] = min(score.ratio for _locale, score in scores)
    images: dict[int, dict[int, list]] = {}
    by_attribute: set[int] = set()
    if at is not None:
        images = channels_images(list(facts), list(channels.values()), at)
        named = set(Family.objects.filter(image_attribute__isnull=False).values_list("code", flat=True))
        missing = set(
            products_missing_image(Product.objects.filter(pk__in=list(facts))).values_list("pk", flat=True)
        )
        by_attribute = {pid for pid, f in facts.items() if f.family in named and pid not in missing}
    checks = {}
    for pid, fact in facts.items():
        for cid, channel in channels.items():
            image = None
            if at is not None:
                pictures = images.get(cid, {}).get(pid, [])
                main = next((p for p in pictures if p.role == "main"), None)
                image = (
                    main.width >= MIN_IMAGE_SIDE and main.height >= MIN_IMAGE_SIDE
                    if main
                    else not pictures and pid in by_attribute
                )
            checks[(pid, cid)] = Check(
                approved=fact.status == Product.Status.APPROVED,
                completeness=lowest.get((pid, cid), 100),
                available=stock.get((pid, channel.code), 0),
                image=image,
            )
    return checks


def _readiness(facts, channels, skus) -> list[Finding]:
    """Warnings: sold out on a channel, not approved, not complete for a channel."""
    checks = readiness_checks(facts, channels)
    findings = []
    for pid in sorted(facts, key=skus.get):
        sku = skus[pid]
        if facts[pid].status != Product.Status.APPROVED:
            findings.append(
                Finding("not_approved", "warning", sku, "",
                        f"{sku} is {facts[pid].status}, not approved", {"status": facts[pid].status})
            )  # fmt: skip
        for cid, channel in sorted(channels.items(), key=lambda i: i[1].code):
            check = checks[(pid, cid)]
            if not check.in_stock:
                findings.append(
                    Finding("no_stock", "warning", sku, channel.code,
                            f"{sku} has no stock to sell on {channel.code}", {"available": 0})
                )  # fmt: skip
            if not check.complete:
                ratio = check.completeness
                findings.append(
                    Finding("incomplete", "warning", sku, channel.code,
                            f"{sku} is {ratio} % complete for {channel.code}", {"completeness_pct": ratio})
                )  # fmt: skip
    return findings


def banner_usage(asset: Asset) -> list[Usage]:
    """The DAM's "where is this asset used": the campaigns showing it as a banner, whatever their state."""
    return [
        Usage("campaign", code, f"banner, {Campaign.Status(status).label.lower()}")
        for code, status in Banner.objects.filter(asset=asset)
        .order_by("campaign__starts_at", "campaign__code")
        .values_list("campaign__code", "campaign__status")
    ]


PROBLEMS = {
    "approval": _("not approved"),
    "completeness": _("not complete"),
    "stock": _("sold out"),
    "image": _("no valid picture"),
    "risk": _("stock-out risk"),
}


@dataclass
class Readiness:
    """How ready a campaign is: per targeted product and channel its checks, per product its stock-out
    risk until the campaign ends, and the shares the dashboard shows."""

    campaign: Campaign
    channels: list[Channel]
    products: list[tuple[int, str]]  # (id, sku) by SKU
    checks: dict[tuple[int, int], Check]
    risks: dict[int, StockoutRisk]

    def _share(self, test) -> float:
        if not self.products:
            return 100.0
        ok = sum(
            1 for pid, _sku in self.products if all(test(self.checks[(pid, c.pk)]) for c in self.channels)
        )
        return round(100 * ok / len(self.products), 1)

    @property
    def approved(self) -> float:
        return self._share(lambda c: c.approved)

    @property
    def complete(self) -> float:
        return self._share(lambda c: c.complete)

    @property
    def in_stock(self) -> float:
        return self._share(lambda c: c.in_stock)

    @property
    def images(self) -> float:
        return self._share(lambda c: c.image is not False)

    @property
    def ready(self) -> float:
        """Share of products ready on every channel of the campaign."""
        return self._share(lambda c: c.ready)

    def has_problem(self, pid: int, problem: str) -> bool:
        if problem == "risk":
            return self.risks[pid].at_risk
        attribute = {
            "approval": "approved",
            "completeness": "complete",
            "stock": "in_stock",
            "image": "image",
        }
        return any(getattr(self.checks[(pid, c.pk)], attribute[problem]) is False for c in self.channels)

    def counts(self) -> dict[str, int]:
        """Products with each problem, for "what is blocking"."""
        return {p: sum(1 for pid, _sku in self.products if self.has_problem(pid, p)) for p in PROBLEMS}


def campaigns_readiness(campaigns: Sequence[Campaign], *, now: datetime) -> dict[int, Readiness]:
    """Readiness of many campaigns in a constant number of queries (about fifteen), whatever the number
    of campaigns, channels and products: one scan of the catalog, one load of checks and demand."""
    campaigns = list(campaigns)
    if not campaigns:
        return {}
    prefetch_related_objects(campaigns, "channels")
    channels = {c.pk: list(c.channels.all()) for c in campaigns}
    targeted = campaigns_products(campaigns)
    facts = {f.product_id: f for found in targeted.values() for f in found}
    all_channels = {ch.pk: ch for chs in channels.values() for ch in chs}
    # Pictures are judged at the campaign's start (or now when running): the earliest such instant
    # for the batch, since rights expire over time, not the other way round.
    at = min((instant_to_check(c, now) for c in campaigns), default=now)
    checks = readiness_checks(facts, all_channels, at=at)
    skus = dict(Product.objects.filter(pk__in=list(facts)).values_list("pk", "sku")) if facts else {}
    history = demand_history(list(facts), now=now)
    result = {}
    for campaign in campaigns:
        ids = sorted((f.product_id for f in targeted[campaign.pk]), key=skus.get)
        codes = [c.code for c in channels[campaign.pk]]
        result[campaign.pk] = Readiness(
            campaign=campaign,
            channels=sorted(channels[campaign.pk], key=lambda c: c.code),
            products=[(pid, skus[pid]) for pid in ids],
            checks={(pid, c.pk): checks[(pid, c.pk)] for pid in ids for c in channels[campaign.pk]},
            risks={pid: history.risk(pid, codes, until=campaign.ends_at) for pid in ids},
        )
    return result


def campaign_readiness(campaign: Campaign, *, now: datetime) -> Readiness:
    return campaigns_readiness([campaign], now=now)[campaign.pk]


COUPON_COLUMNS = [
    "code",
    "campaign",
    "promotion",
    "channels",
    "valid_from",
    "valid_until",
    "usage_limit",
    "uses",
]


def coupons_export_rows(campaign: Campaign) -> Iterator[list[str]]:
    """The coupons as the shop and the stores load them: a header, then one row per code (UTC instants)."""
    yield COUPON_COLUMNS
    coupons = (
        campaign.coupons.select_related("promotion")
        .prefetch_related(Prefetch("channels", queryset=Channel.objects.only("id", "code").order_by("code")))
        .order_by("code")
    )
    for coupon in coupons.iterator(chunk_size=2000):
        yield [
            coupon.code,
            campaign.code,
            coupon.promotion.code if coupon.promotion else "",
            "|".join(c.code for c in coupon.channels.all()),
            coupon.valid_from.astimezone(UTC).isoformat(),
            coupon.valid_until.astimezone(UTC).isoformat(),
            "" if coupon.usage_limit is None else str(coupon.usage_limit),
            str(coupon.uses),
        ]


@dataclass(frozen=True)
class CalendarDay:
    day: date
    campaigns: list[Campaign]
    overlap: bool  # two campaigns share a channel that day
    in_month: bool = True


def campaign_calendar(
    days: Sequence[date], zone: ZoneInfo, *, channel: str = "", month: int = 0
) -> list[CalendarDay]:
    """The campaigns on each day (local midnight to midnight in `zone`), cancelled ones left out, and
    whether two of them share a channel that day. Two queries whatever the range."""
    first = datetime.combine(days[0], time.min, zone)
    last = datetime.combine(days[-1] + timedelta(days=1), time.min, zone)
    campaigns = (
        Campaign.objects.exclude(status=Campaign.Status.CANCELLED)
        .filter(starts_at__lt=last, ends_at__gt=first)
        .prefetch_related(Prefetch("channels", queryset=Channel.objects.only("id", "code").order_by("code")))
        .order_by("starts_at", "code")
    )
    if channel:
        campaigns = campaigns.filter(channels__code=channel).distinct()
    campaigns = list(campaigns)
    result = []
    for day in days:
        start = datetime.combine(day, time.min, zone)
        end = datetime.combine(day + timedelta(days=1), time.min, zone)
        today = [c for c in campaigns if c.starts_at < end and c.ends_at > start]
        seen: set[str] = set()
        overlap = False
        for campaign in today:
            codes = {ch.code for ch in campaign.channels.all()}
            overlap = overlap or bool(seen & codes)
            seen |= codes
        result.append(CalendarDay(day, today, overlap, not month or day.month == month))
    return result


def campaigns_drafts_of(user, queryset: QuerySet[Campaign] | None = None) -> QuerySet[Campaign]:
    queryset = Campaign.objects.all() if queryset is None else queryset
    return queryset.filter(status=Campaign.Status.DRAFT, owner=user)


def campaigns_awaiting_approval_by(user, queryset: QuerySet[Campaign] | None = None) -> QuerySet[Campaign]:
    """Submitted campaigns this person may approve: they did not contribute to them (plan or edit the
    campaign, its promotions, banners or coupons since the last approval, or submit it)."""
    queryset = Campaign.objects.all() if queryset is None else queryset
    if not user.has_perm("campaigns.approve_campaign"):
        return queryset.none()
    return queryset.filter(status=Campaign.Status.SUBMITTED).exclude(contributors__contains=[user.pk])


def campaign_next_day(zone: tzinfo) -> date | None:
    """The day the calendar opens on: today while a campaign runs, else the first day of the next one
    (drafts included: they are what is being planned), else None."""
    now = timezone.now()
    running = Campaign.objects.exclude(status=Campaign.Status.CANCELLED).filter(
        starts_at__lte=now, ends_at__gt=now
    )
    if running.exists():
        return timezone.localdate(now, zone)
    following = (
        Campaign.objects.exclude(status=Campaign.Status.CANCELLED)
        .filter(starts_at__gt=now)
        .order_by("starts_at")
        .values_list("starts_at", flat=True)
        .first()
    )
    return timezone.localdate(following, zone) if following else None
