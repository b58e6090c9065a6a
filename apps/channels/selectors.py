"""Reads for feeds: the sellable items of a channel at an instant, a chunk at a time.

A chunk costs a constant number of queries whatever its size (products, parents, completeness, prices,
stock, pictures, store stock), so a build's cost grows with the catalog, never per item; and every
figure comes from the same selectors the API and the store page use (prices_at, available_to_sell).
"""

from __future__ import annotations

import csv
import html
import io
import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import nh3
from django.conf import settings
from django.core.files.storage import FileSystemStorage, default_storage
from django.db import connection
from django.db.models import Count, Q, QuerySet
from django.utils.encoding import filepath_to_uri

from apps.assets.selectors import FeedImage, feed_images
from apps.campaigns.models import Campaign, Coupon, Promotion
from apps.campaigns.selectors import benefit_for, compile_targets, need_brands, product_facts
from apps.channels.models import DEFAULT_MAPPING, Feed, FeedIssue, FeedRun
from apps.core.models import Channel
from apps.core.money import Money
from apps.core.stored_text import remembered
from apps.inventory.models import StockLevel, StockLocation
from apps.inventory.selectors import available_to_sell, sold_out_here_in_stock_elsewhere
from apps.pricing.modifiers import awaiting_approval
from apps.pricing.selectors import ChannelPrice, price_mismatches, prices_at
from apps.products import selectors as product_selectors
from apps.products.models import Attribute, AttributeOption, Category, Product
from apps.products.selectors import ChannelCompleteness
from apps.products.values import channel_chains, merge, value_of

_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class Image:
    url: str
    width: int | None = None
    height: int | None = None


@dataclass(frozen=True)
class StoreStock:
    store_code: str
    quantity: int
    click_and_collect: bool
    pickup_sla: str


@dataclass
class Item:
    """One sellable product (a simple product or a variant) as a channel sees it, before formatting."""

    product_id: int
    sku: str
    gtin: str
    group: str
    values: dict[str, Any]
    categories: list[str]
    complete: bool
    missing: list[str]
    price: ChannelPrice | None
    available: int
    images: list[Image] = field(default_factory=list)
    stores: list[StoreStock] = field(default_factory=list)
    # the promotions feed's ids of the live or upcoming promotions that target it (Google feeds only)
    promotion_ids: list[str] = field(default_factory=list)


@dataclass
class Context:
    """What a build loads once: the feed, its channel, the instant, and the catalog's labels."""

    feed: Feed
    channel: Channel
    at: datetime
    category_paths: dict[str, list[str]]
    option_labels: dict[tuple[str, str], str]
    attribute_types: dict[str, str]
    stores: list[StockLocation]

    media_attributes: list[str] = field(default_factory=list)
    mapping: dict[str, str] = field(default_factory=dict)
    # the channel, then those whose scoped values it takes where it has none (`values.channel_chain`)
    chain: tuple[str, ...] = ()

    @staticmethod
    def absolute(url: str) -> str:
        return url if "://" in url else settings.NOEL_PUBLIC_URL.rstrip("/") + url

    def media_url(self, path: str) -> str:
        """The public URL of a stored file. Local storage's is its base URL and the quoted name: joined
        here without urljoin, which costs more than everything else an item needs."""
        if "://" in path:
            return path
        if isinstance(default_storage, FileSystemStorage):
            return self.absolute(default_storage.base_url + filepath_to_uri(path))
        return self.absolute(default_storage.url(path))

    @property
    def locale(self) -> str:
        return self.feed.locale_id

    def text(self, item: Item, name: str) -> str:
        """A mapped field's value in the feed's locale and channel, as plain text."""
        code = self.mapping.get(name)
        if not code:
            return ""
        value = value_of(item.values, code, self.locale, self.channel.code, self.chain)
        if value in (None, ""):
            return ""
        kind = self.attribute_types.get(code)
        if kind == Attribute.Type.SELECT:
            return self.option_labels.get((code, value), value)
        if kind == Attribute.Type.MULTISELECT:
            return ", ".join(self.option_labels.get((code, v), v) for v in value)
        if kind == Attribute.Type.MEASUREMENT:
            return f"{value['amount']} {value.get('unit', '')}".strip()
        if kind == Attribute.Type.BOOLEAN:
            return "yes" if value else "no"
        return str(value)

    def plain(self, text: str) -> str:
        """Text without HTML, where the feed forbids it: tags dropped, entities decoded, spaces folded."""
        if not self.feed.strip_html or ("<" not in text and "&" not in text):
            return text
        return _SPACES.sub(" ", html.unescape(nh3.clean(text, tags=set()))).strip()

    def product_type(self, item: Item) -> str:
        paths = [self.category_paths[c] for c in sorted(item.categories) if c in self.category_paths]
        return " > ".join(max(paths, key=len)) if paths else ""

    def link(self, item: Item) -> str:
        return self.feed.link_template.format(base_url=self.channel.base_url.rstrip("/"), sku=item.sku)


def build_context(feed: Feed, at: datetime) -> Context:
    locale = feed.locale_id
    categories = list(Category.objects.order_by("path").values_list("path", "code", "labels"))
    by_path: dict[str, tuple[str, str]] = {}
    paths: dict[str, list[str]] = {}
    for path, code, labels in categories:
        label = labels.get(locale) or next(iter(labels.values()), code) if labels else code
        by_path[path] = (code, label)
        steplen = Category.steplen
        paths[code] = [
            by_path[path[:i]][1] for i in range(steplen, len(path) + 1, steplen) if path[:i] in by_path
        ]
    options = {
        (attribute, code): labels.get(locale) or code
        for attribute, code, labels in AttributeOption.objects.values_list(
            "attribute__code", "code", "labels"
        )
    }
    types = dict(Attribute.objects.values_list("code", "type"))
    stores: list[StockLocation] = []
    if feed.format == Feed.Format.GOOGLE_LOCAL:
        stores = list(
            StockLocation.objects.filter(
                kind=StockLocation.Kind.STORE, is_active=True, channels=feed.channel
            ).order_by("code")
        )
    media = [code for code, kind in types.items() if kind == Attribute.Type.MEDIA]
    return Context(
        media_attributes=sorted(media, key=lambda code: (code != "main_image", code)),
        mapping={name: feed.field(name) for name in {**DEFAULT_MAPPING, **feed.mapping}},
        chain=channel_chains().get(feed.channel.code, (feed.channel.code,)),
        feed=feed,
        channel=feed.channel,
        at=at,
        category_paths=paths,
        option_labels=options,
        attribute_types=types,
        stores=stores,
    )


def channel_required_attributes() -> dict[str, set[str]]:
    """What the active feeds' formats require, per channel: completeness requires the same (one query)."""
    from apps.channels import formats

    return formats.required_attributes(Feed.objects.filter(is_active=True).select_related("channel"))


def eligible_products(feed: Feed):
    """Products a feed may send: sellable (not a model), approved, enabled, in the feed's category tree."""
    queryset = Product.objects.filter(is_model=False, status=Product.Status.APPROVED, enabled=True).filter(
        Q(parent__isnull=True) | Q(parent__enabled=True)
    )
    if feed.category_root:
        queryset = queryset.filter(
            categories__overlap=product_selectors.category_subtree_codes(feed.category_root)
        )
    return queryset


def primary_feed(feed: Feed) -> Feed | None:
    """The Google feed a local inventory feed's entries refer to (Google rejects local entries of products
    its primary feed does not hold): the channel's own active Google feed, else that of a Google channel
    (the stores usually are a channel of their own); the feed's locale first."""
    if feed.format != Feed.Format.GOOGLE_LOCAL:
        return None
    candidates = Feed.objects.filter(format=Feed.Format.GOOGLE, is_active=True, channel__is_active=True)
    return min(
        candidates.select_related("channel", "locale"),
        key=lambda f: (
            f.channel_id != feed.channel_id,
            f.channel.kind != Channel.Kind.GOOGLE,
            f.locale_id != feed.locale_id,
            f.channel.code,
            f.name,
        ),
        default=None,
    )


def chunk_bounds(feed: Feed, size: int | None = None) -> list[tuple[int, int]]:
    """Primary-key ranges [low, high) of about `size` eligible products each, in order. A promotions feed
    has one chunk whatever the catalog: its items are the channel's promotions, a few dozen at most."""
    if feed.format == Feed.Format.GOOGLE_PROMOTIONS:
        return [(0, 2**62)]
    sql, params = eligible_products(feed).values("id").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id FROM (SELECT id, row_number() OVER (ORDER BY id) AS n FROM ({sql}) s) r "
            "WHERE (n - 1) %% %s = 0 ORDER BY id",
            [*params, size or settings.NOEL_FEED_CHUNK],
        )
        starts = [row[0] for row in cursor.fetchall()]
    ends = [*starts[1:], 2**62] if starts else []  # no eligible product: no chunk
    return list(zip(starts, ends, strict=True))


def _family_tree(rows: Sequence[dict[str, Any]]) -> dict[int, dict[str, Any]]:
    """Parents and grandparents of a chunk's variants, in at most two queries."""
    found: dict[int, dict[str, Any]] = {}
    wanted = {row["parent_id"] for row in rows if row["parent_id"]}
    while wanted:
        fetched = list(
            Product.objects.filter(pk__in=wanted).values("id", "sku", "parent_id", "values", "categories")
        )
        found.update({row["id"]: row for row in fetched})
        wanted = {row["parent_id"] for row in fetched if row["parent_id"] and row["parent_id"] not in found}
    return found


def _lineage(row: dict[str, Any], tree: dict[int, dict[str, Any]]) -> list[dict[str, Any]]:
    chain = []
    parent = tree.get(row["parent_id"]) if row["parent_id"] else None
    while parent is not None:
        chain.append(parent)
        parent = tree.get(parent["parent_id"]) if parent["parent_id"] else None
    return chain[::-1]


def items(ctx: Context, low: int, high: int) -> list[Item]:
    """The items of one primary-key range, with everything a feed needs, in primary-key order."""
    rows = list(
        eligible_products(ctx.feed)
        .filter(pk__gte=low, pk__lt=high)
        .order_by("pk")
        .values("id", "sku", "gtin", "parent_id", "values", "categories")
    )
    if not rows:
        return []
    ids = [row["id"] for row in rows]
    tree = _family_tree(rows)
    completeness = product_selectors.completeness_scores(ids, channel=ctx.channel.code, locale=ctx.locale)
    prices = prices_at(ids, ctx.channel, ctx.at)
    available = available_to_sell(ids, [ctx.channel.code])
    pictures = feed_images(ids, ctx.channel, ctx.at)
    stores = _store_stock(ids, ctx) if ctx.stores else {}
    promoted = promotion_ids(ids, ctx) if ctx.feed.format == Feed.Format.GOOGLE else {}
    result = []
    inherited: dict[int, tuple[dict[str, Any], set[str]]] = {}  # per parent: its lineage merged, once
    for row in rows:
        lineage = _lineage(row, tree)
        values, categories = row["values"], set(row["categories"])
        if lineage:
            parent = row["parent_id"]
            if parent not in inherited:
                merged: dict[str, Any] = {}
                for ancestor in lineage:
                    merged = merge(merged, ancestor["values"])
                inherited[parent] = (merged, {c for a in lineage for c in a["categories"]})
            values = merge(inherited[parent][0], values)
            categories |= inherited[parent][1]
        score = completeness.get(row["id"])
        ratio, missing = (score.ratio, score.missing) if score else (0, ["?"])
        result.append(
            Item(
                product_id=row["id"],
                sku=row["sku"],
                gtin=row["gtin"] or "",
                group=lineage[0]["sku"] if lineage else "",
                values=values,
                categories=sorted(categories),
                complete=ratio == 100,
                missing=list(missing),
                price=prices.get(row["id"]),
                available=available[(row["id"], ctx.channel.code)],
                images=_images(pictures.get(row["id"], []), values, ctx),
                stores=stores.get(row["id"], []),
                promotion_ids=promoted.get(row["id"], []),
            )
        )
    return result


def _images(pictures: list[FeedImage], values: dict[str, Any], ctx: Context) -> list[Image]:
    """The product's pictures in the DAM (the channel's renditions, expired rights left out); failing
    that, pictures named by media attributes (a storage path or an absolute URL, as imports bring them)."""
    if pictures:
        return [Image(ctx.absolute(p.url), p.width or None, p.height or None) for p in pictures]
    images = []
    for code in ctx.media_attributes:
        path = value_of(values, code, ctx.locale, ctx.channel.code, ctx.chain)
        if path:
            images.append(Image(url=ctx.media_url(path)))
    return images


def _store_stock(ids: list[int], ctx: Context) -> dict[int, list[StoreStock]]:
    stores = {store.pk: store for store in ctx.stores}
    result: dict[int, list[StoreStock]] = {}
    levels = (
        StockLevel.objects.filter(product_id__any=ids, location_id__in=list(stores))
        .order_by("product_id", "location__code")
        .values_list("product_id", "location_id", "on_hand", "reserved")
    )
    for product_id, location_id, on_hand, reserved in levels:
        store = stores[location_id]
        result.setdefault(product_id, []).append(
            StoreStock(store.code, max(on_hand - reserved, 0), store.click_and_collect, store.pickup_sla)
        )
    return result


def held_back_reasons(run: FeedRun, count: int = 5) -> list[tuple[str, int]]:
    """The commonest reasons a run held items back, with how many items each held back, in one query."""
    rows = (
        FeedIssue.objects.filter(run=run)
        .values("message", "message_parts")
        .annotate(n=Count("sku", distinct=True))
        .order_by("-n", "message")[:count]
    )
    return [(remembered(row["message"], row["message_parts"]), row["n"]) for row in rows]


@dataclass(frozen=True)
class Serving:
    file: str
    checksum: str
    finished_at: datetime
    format: str


def serving(channel_code: str, file_name: str) -> Serving | None:
    """The file a channel gets for `<name>.<ext>`: the feed's last good run, in one indexed query."""
    name, _dot, extension = file_name.rpartition(".")
    row = (
        Feed.objects.filter(channel__code=channel_code, name=name, is_active=True, current_run__isnull=False)
        .values_list("format", "current_run__file", "current_run__checksum", "current_run__finished_at")
        .first()
    )
    if row is None or not row[1] or Feed(format=row[0]).extension != extension:
        return None
    return Serving(file=row[1], checksum=row[2], finished_at=row[3], format=row[0])


def money(amount: Decimal, currency: str) -> str:
    """The feed form of an amount: "12.50 EUR", rounded to the currency's precision."""
    return str(Money(amount, currency).quantize())


@dataclass(frozen=True)
class FeedHealth:
    """One feed on the admin home: what its channel gets now, how fresh it is, and what disagrees."""

    feed: Feed
    last_run: FeedRun | None  # the last real build, whatever its outcome
    last_run_issues: int
    since_success: timedelta | None  # None: never built
    stale: bool
    completeness: ChannelCompleteness | None
    price_mismatches: int
    stock_mismatches: int


def stale_after() -> timedelta:
    return timedelta(hours=float(getattr(settings, "NOEL_FEED_STALE_HOURS", 24)))


def feeds_health(feeds: QuerySet[Feed], *, now: datetime) -> list[FeedHealth]:
    """Every feed's figures in a constant number of queries (seven), whatever the number of channels."""
    feeds = list(feeds.select_related("channel", "current_run").order_by("channel__code", "name"))
    last = {
        run.feed_id: run
        for run in FeedRun.objects.filter(feed__in=feeds, preview=False)
        .order_by("feed_id", "-id")
        .distinct("feed_id")
    }
    issues = dict(
        FeedIssue.objects.filter(run__in=list(last.values()))
        .values_list("run_id")
        .annotate(n=Count("pk"))
        .values_list("run_id", "n")
    )
    completeness = product_selectors.completeness_by_channel()
    prices = price_mismatches()
    stock = sold_out_here_in_stock_elsewhere()
    rows = []
    for feed in feeds:
        run, current = last.get(feed.pk), feed.current_run
        since = now - current.finished_at if current and current.finished_at else None
        rows.append(
            FeedHealth(
                feed=feed,
                last_run=run,
                last_run_issues=issues.get(run.pk, 0) if run else 0,
                since_success=since,
                stale=since is None or since > stale_after(),
                completeness=completeness.get(feed.channel_id),
                price_mismatches=prices.get(feed.channel_id, 0),
                stock_mismatches=stock.get(feed.channel_id, 0),
            )
        )
    return rows


# the columns a person checks first in a run's items, in this order, whatever the format calls them (a
# promotions feed's: its id, title, dates, code and discount)
_ITEM_COLUMNS = (
    "id", "sku", "g:id", "title", "name", "price", "g:price", "sale_price", "g:sale_price", "availability",
    "g:availability", "quantity", "g:quantity", "store_code", "g:store_code", "g:promotion_id",
    "g:long_title", "g:promotion_effective_dates", "g:offer_type", "g:generic_redemption_code",
    "g:percent_off", "g:money_off_amount",
)  # fmt: skip


@dataclass
class RunItems:
    columns: list[str]
    rows: list[list[str]]


def run_items(run: FeedRun, limit: int = 50) -> RunItems:
    """The first items of a run's file as the channel receives them, read back from the file itself
    (RSS, CSV or JSON lines), with the columns a person checks first: id, title, price, sale price,
    availability."""
    if not run.file:
        return RunItems([], [])
    with default_storage.open(run.file, "rb") as source:
        head = source.read(256 * 1024)
    items = _read_items(head.decode("utf-8", errors="replace"), run.feed.extension, limit)
    seen = list(dict.fromkeys(key for item in items for key in item))
    columns = [c for c in _ITEM_COLUMNS if c in seen] or seen[:6]
    return RunItems([c.removeprefix("g:") for c in columns], [[i.get(c, "") for c in columns] for i in items])


def _read_items(text: str, extension: str, limit: int) -> list[dict[str, str]]:
    if extension == "jsonl":
        rows = []
        for line in text.splitlines()[:limit]:
            try:
                rows.append(
                    {k: str(v) for k, v in json.loads(line).items() if not isinstance(v, dict | list)}
                )
            except ValueError:  # the last line cut by the read limit
                break
        return rows
    if extension == "csv":
        return [dict(row) for _n, row in zip(range(limit), csv.DictReader(io.StringIO(text)), strict=False)]
    rows = []
    parser = ET.XMLPullParser(events=("end",))
    try:
        parser.feed(text)
        for _event, element in parser.read_events():
            if element.tag in ("item", "entry"):
                row: dict[str, str] = {}
                for child in element:  # a repeated field (promotion_id) shows all its values
                    name, value = _short(child.tag), (child.text or "").strip()
                    row[name] = f"{row[name]}, {value}" if name in row else value
                rows.append(row)
                if len(rows) >= limit:
                    break
    except ET.ParseError:  # the read limit cut an element: what was read stands
        pass
    return rows


def _short(tag: str) -> str:
    """ "{http://base.google.com/ns/1.0}price" → "g:price"."""
    return f"g:{tag.rsplit('}', 1)[1]}" if tag.startswith("{") else tag


@dataclass(frozen=True)
class Announced:
    """One entry of a channel's promotions feed at an instant: a promotion of an approved campaign, or a
    code shared by every customer (a generic code). `promotion` is what it targets (None: a coupon tied
    to no promotion, whose discount Noel does not know)."""

    promotion_id: str
    title: str
    starts_at: datetime
    ends_at: datetime
    benefit: str  # percentage_off, amount_off, fixed_price, or "" when unknown
    value: Decimal | None
    currency: str
    code: str  # the redemption code; "" for a promotion that needs none
    promotion: Promotion | None
    campaign: str
    at: datetime  # the instant the feed shows: Google takes only promotions ending after it


def announced_campaigns(channel: Channel, at: datetime) -> QuerySet[Campaign]:
    """Campaigns a channel announces at `at`: approved, scheduled or live (submitted ones too in a preview
    "as if approved"), on this channel, not yet over."""
    statuses = [Campaign.Status.APPROVED, Campaign.Status.SCHEDULED, Campaign.Status.LIVE]
    if awaiting_approval():
        statuses.append(Campaign.Status.SUBMITTED)
    return Campaign.objects.filter(status__in=statuses, channels=channel, ends_at__gt=at)


def announced_promotions(channel: Channel, at: datetime) -> list[Announced]:
    """The promotions and shared codes a channel's promotions feed carries at `at`, in three queries:
    every promotion of the announced campaigns, then each code shared by every customer (no usage limit,
    or more than one use) valid on the channel. Single-use codes stay out: Google takes only codes that
    are the same for every customer."""
    campaigns = announced_campaigns(channel, at)
    promotions = list(
        Promotion.objects.filter(campaign__in=campaigns)
        .select_related("campaign")
        .prefetch_related("overrides")
        .order_by("campaign__starts_at", "campaign__code", "-priority", "code")
    )
    coupons = (
        Coupon.objects.filter(campaign__in=campaigns, channels=channel)
        .filter(Q(usage_limit__isnull=True) | Q(usage_limit__gt=1))
        .select_related("campaign", "promotion")
        .order_by("campaign__starts_at", "campaign__code", "code")
    )
    by_id = {promotion.pk: promotion for promotion in promotions}
    result = []
    for promotion in promotions:
        benefit, value = benefit_for(promotion, channel.pk)
        result.append(
            Announced(
                promotion_id=promotion.code,
                title=promotion.name or promotion.campaign.name,
                starts_at=promotion.campaign.starts_at,
                ends_at=promotion.campaign.ends_at,
                benefit=benefit,
                value=value,
                currency=channel.currency_id,
                code="",
                promotion=promotion,
                campaign=promotion.campaign.code,
                at=at,
            )
        )
    for coupon in coupons:
        target = by_id.get(coupon.promotion_id) if coupon.promotion_id else None
        benefit, value = benefit_for(target, channel.pk) if target else ("", None)
        result.append(
            Announced(
                promotion_id=coupon.code,
                title=(target.name if target else "") or coupon.campaign.name,
                starts_at=coupon.valid_from,
                ends_at=coupon.valid_until,
                benefit=benefit,
                value=value,
                currency=channel.currency_id,
                code=coupon.code,
                promotion=target,
                campaign=coupon.campaign.code,
                at=at,
            )
        )
    return result


@dataclass
class CheckedPromotion:
    """An announced promotion as Google's promotions feed would send it, and why it would be held back."""

    announced: Announced
    entries: list[dict[str, str]]
    problems: list[Any]  # formats.Violation

    @property
    def published(self) -> bool:
        return not self.problems


def promotions_checked(ctx: Context) -> list[CheckedPromotion]:
    """The channel's announced promotions at the context's instant, each with its feed entries and what
    breaks Google's rules (an id already used earlier in the feed included): what the promotions feed
    publishes, and the ids the product feed may name."""
    from apps.channels import formats

    fmt = formats.FORMATS[Feed.Format.GOOGLE_PROMOTIONS]
    seen: dict[str, str] = {}
    result = []
    for announced in announced_promotions(ctx.channel, ctx.at):
        entries = fmt.entries(announced, ctx)  # type: ignore[arg-type]
        problems = [v for entry in entries for v in fmt.check(entry, announced, ctx.at)]  # type: ignore[arg-type]
        key = announced.promotion_id.casefold()
        if key in seen:
            problems.append(
                formats.Violation(
                    "promotion_id",
                    "promotion_id_unique",
                    f"promotion_id {announced.promotion_id} is already the id of {seen[key]} in this feed",
                )
            )
        else:
            seen[key] = f"a promotion of campaign {announced.campaign}"
        result.append(CheckedPromotion(announced, entries, problems))
    return result


def promotion_ids(product_ids: Sequence[int], ctx: Context) -> dict[int, list[str]]:
    """Product id → the ids of the promotions targeting it that the channel's promotions feed publishes at
    the context's instant (a promotion's own id and those of the shared codes tied to it): what Google
    links a product to its promotions by. One held back there is not named here, so the two feeds agree.
    A constant number of queries whatever the number of products."""
    announced = [
        c.announced for c in promotions_checked(ctx) if c.published and c.announced.promotion is not None
    ]
    if not announced or not product_ids:
        return {}
    promotions = list({a.promotion.pk: a.promotion for a in announced if a.promotion}.values())
    targets = compile_targets(promotions)
    result: dict[int, list[str]] = {}
    for facts in product_facts(product_ids, brands=need_brands(targets.values())):
        ids = [a.promotion_id for a in announced if a.promotion and targets[a.promotion.pk].matches(facts)]
        if ids:
            result[facts.product_id] = ids
    return result
