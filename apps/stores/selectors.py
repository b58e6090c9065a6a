"""Reads of the store page: find a product by scan, SKU or name, and everything a salesperson tells a
customer about it. Prices, availability and pictures come from the selectors the feeds and the API call
(prices_at, available_to_sell, feed_images), so the page can never disagree with a channel."""

from __future__ import annotations

import difflib
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.core.files.storage import default_storage
from django.db.models import F, FilteredRelation, Q, QuerySet, Value
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from stdnum import ean

from apps.assets.models import THUMBNAIL_SPEC, Rendition
from apps.assets.selectors import feed_images
from apps.core.models import Channel
from apps.core.money import format_money
from apps.inventory.models import StockLevel, StockLocation
from apps.inventory.selectors import available_to_sell
from apps.pricing.selectors import ChannelPrice, channel_prices_at
from apps.products import values as vals
from apps.products.models import Attribute, AttributeOption, FamilyVariant, Product
from apps.products.selectors import product_search
from apps.stores.models import SCREEN_SPEC, StaffStore

GTIN_LENGTHS = (8, 12, 13, 14)
MAX_MODELS = 20  # product groups listed for one search; staff refine rather than scroll
MAX_CLOSE = 6
T = Attribute.Type
KEY_TYPES = (T.TEXT, T.NUMBER, T.BOOLEAN, T.DATE, T.SELECT, T.MULTISELECT, T.MEASUREMENT, T.IDENTIFIER)


def page_locale(language: str | None = None) -> str:
    """The product-text locale for the page's language (fr → fr_FR, en → en_GB)."""
    return {"fr": "fr_FR"}.get((language or get_language() or "en")[:2], "en_GB")


def _label(labels: dict[str, str], locale: str, code: str) -> str:
    return labels.get(locale) or next((text for text in labels.values() if text), "") or code


def _text(values: dict[str, Any], code: str | None, locale: str) -> str:
    """A text in the page's locale, else in any locale (a French-only name beats no name)."""
    if not code:
        return ""
    found = vals.value_of(values, code, locale)
    if found is None:
        found = next((v for by_ch in (values.get(code) or {}).values() for v in by_ch.values() if v), None)
    return str(found) if found is not None else ""


def _merged(product: Product) -> dict[str, Any]:
    """Values as sold: the model's, overridden by the sub-model's, overridden by the variant's."""
    chain = [p for p in (product.parent and product.parent.parent, product.parent, product) if p]
    merged: dict[str, Any] = {}
    for item in chain:
        merged = vals.merge(merged, item.values)
    return merged


# ---------------------------------------------------------------------------------------------- search


@dataclass
class Variant:
    sku: str
    gtin: str
    chips: list[str]
    pk: int = 0
    price: str = ""  # what the customer pays in store now, promotions applied
    regular: str = ""  # the price before a promotion, when one applies
    here: int | None = None  # available in the salesperson's store (None: no store chosen)
    in_stores: int = 0  # available in every store together


@dataclass
class Group:
    """A model (or a simple product) and its sellable variants."""

    sku: str
    name: str
    variants: list[Variant] = field(default_factory=list)
    picture: str = ""
    pk: int = 0


@dataclass
class Lookup:
    """What the search box answers: groups found, or why none (misread scan, unknown code)."""

    term: str
    groups: list[Group] = field(default_factory=list)
    exact: Product | None = None  # the product a scan or a typed code named: the page shows it at once
    misread: bool = False
    unknown: bool = False
    close: list[tuple[str, str]] = field(default_factory=list)  # (sku, name) of near codes


def _is_code(term: str) -> bool:
    return " " not in term


def lookup(
    term: str,
    *,
    locale: str,
    scanned: bool = True,
    here: StockLocation | None = None,
    at: datetime | None = None,
) -> Lookup:
    """A scan (digits), a SKU in any case, or words of a name in any locale.

    A full-length string of digits with a wrong check digit is a misread scan: said so, nothing searched.
    While someone types (`scanned=False`) a short run of digits is only a prefix, not yet a misread."""
    term = term.strip()
    result = Lookup(term)
    if not term:
        return result
    full_length = len(term) in GTIN_LENGTHS and (scanned or len(term) >= 13)
    if term.isdigit() and full_length and not ean.is_valid(term):
        result.misread = True
        return result
    exact = _sellable().filter(Q(gtin=term) | Q(sku__in={term, term.upper(), term.lower()})).first()
    if exact is not None and scanned:
        result.exact = exact  # the page shows it at once: no list to build
        return result
    if exact is not None:
        ids = [exact.pk]
    else:
        ids = list(
            product_search(Product.objects.filter(enabled=True), term)
            .order_by("sku")
            .values_list("pk", flat=True)[:200]
        )
    if not ids:
        result.unknown = True
        result.close = close_matches(term, locale=locale)
        return result
    result.groups = _groups(ids, locale)
    _figures(result.groups, here, at or timezone.now())
    return result


def till_channel(channels: Sequence[Channel]) -> Channel | None:
    """The channel whose price a customer pays in store: the stores' own, else the web shop's."""
    for kind in (Channel.Kind.STORE, Channel.Kind.WEB):
        found = next((c for c in channels if c.kind == kind), None)
        if found is not None:
            return found
    return channels[0] if channels else None


def _figures(groups: list[Group], here: StockLocation | None, at: datetime) -> None:
    """Each variant's price in store and stock here and in every store, and each group's thumbnail, in
    a constant number of queries whatever the number of results."""
    variants = [v for g in groups for v in g.variants]
    channel = till_channel(list(Channel.objects.filter(is_active=True).order_by("code")))
    if not variants or channel is None:
        return
    ids = [v.pk for v in variants]
    prices = channel_prices_at(ids, [channel], at)
    stock: dict[int, dict[int, int]] = {}
    for product_id, location_id, on_hand, reserved in StockLevel.objects.filter(
        product_id__in=ids, location__kind=StockLocation.Kind.STORE, location__is_active=True
    ).values_list("product_id", "location_id", "on_hand", "reserved"):
        stock.setdefault(product_id, {})[location_id] = max(0, on_hand - reserved)
    for variant in variants:
        price = prices.get((variant.pk, channel.pk))
        if price is not None:
            variant.price = format_money(price.amount, price.currency)
            if price.on_sale:  # crossed out: never above the 30-day reference price
                variant.regular = format_money(price.crossed_out, price.currency)
        levels = stock.get(variant.pk, {})
        variant.in_stores = sum(levels.values())
        variant.here = levels.get(here.pk, 0) if here is not None else None
    # the group's picture: its own main picture, else its first variant's (variants inherit a model's)
    firsts = {g.pk: g.variants[0].pk if g.variants else g.pk for g in groups}
    images = feed_images([*firsts.values(), *firsts], channel, at)
    mains = {
        pk: next((image for image in images.get(pk, []) if image.role == "main"), None)
        for pk in [*firsts, *firsts.values()]
    }
    thumbnails = dict(
        Rendition.objects.filter(
            asset_id__in={m.asset_id for m in mains.values() if m}, spec__code=THUMBNAIL_SPEC
        )
        .filter(source_sha256=F("asset__sha256"))
        .values_list("asset_id", "file")
    )
    for group in groups:
        main = mains.get(group.pk) or mains.get(firsts[group.pk])
        if main is not None:
            stored = thumbnails.get(main.asset_id)
            group.picture = default_storage.url(stored) if stored else main.url


def _groups(product_ids: Sequence[int], locale: str) -> list[Group]:
    """Matches grouped under their top model, each model with all its sellable variants and their
    axis values as chips. Six queries whatever the number of matches."""
    roots = list(
        dict.fromkeys(
            root
            for pk, parent, grandparent in Product.objects.filter(pk__in=product_ids).values_list(
                "pk", "parent_id", "parent__parent_id"
            )
            for root in [grandparent or parent or pk]
        )
    )[:MAX_MODELS]
    # Level by level, so that each condition uses its index (an OR across a join scans the table).
    sub_models = list(Product.objects.filter(parent_id__in=roots).values_list("pk", flat=True))
    members = list(
        Product.objects.filter(Q(pk__in=[*roots, *sub_models]) | Q(parent_id__in=sub_models), enabled=True)
        .select_related("family__label_attribute", "parent__parent")
        .order_by("sku")
    )
    axes = _axes({p.family_variant_id for p in members if p.family_variant_id})
    options = _option_labels(axes, locale)
    groups = {pk: Group("", "") for pk in roots}
    for product in members:
        root = (product.parent and product.parent.parent_id) or product.parent_id or product.pk
        values = _merged(product)
        label = product.family.label_attribute.code if product.family.label_attribute_id else "name"
        if product.pk == root:
            groups[root].sku, groups[root].name = product.sku, _text(values, label, locale) or product.sku
            groups[root].pk = product.pk
        if product.is_model:
            continue
        chips = [_display(values, code, options, locale) for code in axes]
        groups[root].variants.append(
            Variant(product.sku, product.gtin or "", [c for c in chips if c], pk=product.pk)
        )
    return [group for group in groups.values() if group.sku]


def _axes(family_variant_ids: set[int]) -> list[str]:
    """Axis attribute codes of these family variants, level 1 then level 2 (colour, then size). One
    query, asked even when there are none, so that every card costs the same."""
    levels = [
        model.objects.filter(familyvariant_id__in=family_variant_ids)
        .annotate(level=Value(n))
        .values_list("level", "attribute__sort_order", "attribute__code")
        for n, model in enumerate((FamilyVariant.axes.through, FamilyVariant.sub_axes.through))
    ]
    rows = levels[0].union(levels[1], all=True).order_by("level", "attribute__sort_order", "attribute__code")
    return list(dict.fromkeys(code for _level, _order, code in rows))


def _option_labels(codes: Iterable[str], locale: str) -> dict[tuple[str, str], str]:
    return {
        (attribute, code): _label(labels, locale, code)
        for attribute, code, labels in AttributeOption.objects.filter(
            attribute__code__in=list(codes)
        ).values_list("attribute__code", "code", "labels")
    }


def _display(values: dict[str, Any], code: str, options: dict[tuple[str, str], str], locale: str) -> str:
    raw = vals.value_of(values, code, locale)
    if raw is None:
        return ""
    if isinstance(raw, list):
        return ", ".join(options.get((code, str(item)), str(item)) for item in raw)
    if isinstance(raw, dict) and "amount" in raw:
        return f"{raw['amount']} {raw.get('unit', '')}".strip()
    if isinstance(raw, bool):
        return str(_("yes") if raw else _("no"))
    return options.get((code, str(raw)), str(raw))


def close_matches(term: str, *, locale: str) -> list[tuple[str, str]]:
    """Products whose SKU or GTIN shares the longest prefix with an unknown code (or whose name starts
    like an unknown word), the most similar first. No pg_trgm needed: a few indexed prefix queries give a
    bounded candidate set that difflib ranks."""
    wanted = term.upper()
    candidates: dict[str, tuple[str, str]] = {}
    for shorter in sorted({1, 2, 4, len(term) // 2}):
        found = Product.objects.none()
        prefix = term[: len(term) - shorter]
        if _is_code(term) and len(prefix) >= 3:
            found = Product.objects.filter(
                Q(sku__startswith=prefix.upper()) | Q(sku__startswith=prefix) | Q(gtin__startswith=prefix)
            )
        if not term.isdigit():
            words = " ".join(w[: max(3, len(w) - shorter)] for w in term.split())
            found = found | product_search(Product.objects.all(), words)
        for sku, gtin, values in (
            found.filter(enabled=True).order_by("sku").values_list("sku", "gtin", "values")[:100]
        ):
            candidates[sku] = (gtin or "", _text(values, "name", locale))
        if candidates:
            break

    def score(sku: str) -> float:
        gtin, name = candidates[sku]
        keys = [sku.upper(), gtin, name.upper()]
        return max(difflib.SequenceMatcher(None, wanted, key).ratio() for key in keys if key)

    ranked = sorted(candidates, key=lambda sku: (-score(sku), sku))[:MAX_CLOSE]
    return [(sku, candidates[sku][1]) for sku in ranked]


# ---------------------------------------------------------------------------------------- product card


@dataclass
class ChannelLine:
    code: str
    name: str
    price: ChannelPrice | None
    available: int

    @property
    def amount(self) -> str:
        """The price in the person's language at the currency's precision ("12,50 €", "€12.50")."""
        return format_money(self.price.amount, self.price.currency) if self.price else ""

    @property
    def regular(self) -> str:
        """The crossed-out price: the regular one, never above the 30-day reference price."""
        return format_money(self.price.crossed_out, self.price.currency) if self.price else ""

    @property
    def reference(self) -> str:
        """In a promotion, the lowest price of the 30 days before it began ("" when there was none)."""
        if not self.price or not self.price.promotion or self.price.reference is None:
            return ""
        return format_money(self.price.reference, self.price.currency)


@dataclass
class StoreLine:
    code: str
    name: str
    city: str
    kind: str
    available: int  # on hand − reserved, never below zero
    distance_km: float | None
    click_and_collect: bool
    pickup_sla: str


@dataclass
class Card:
    product: Product
    name: str
    picture: str
    attributes: list[tuple[str, str]]
    chips: list[str]
    here: StoreLine | None
    stores: list[StoreLine]
    warehouses: list[StoreLine]
    channels: list[ChannelLine]


def haversine_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(h))


def _coords(location: dict[str, Any]) -> tuple[float, float] | None:
    if location["latitude"] is None or location["longitude"] is None:
        return None
    return float(location["latitude"]), float(location["longitude"])


def stock_by_location(product_id: int, here: StockLocation | None) -> list[StoreLine]:
    """Every active location with this product's on hand − reserved (0 where it has no stock line), in
    one query however many stores; other stores nearest to `here` first when both have coordinates."""
    rows = list(
        StockLocation.objects.filter(is_active=True)
        .annotate(level=FilteredRelation("levels", condition=Q(levels__product_id=product_id)))
        .values(
            "pk", "code", "name", "city", "kind", "latitude", "longitude", "click_and_collect", "pickup_sla",
            "level__on_hand", "level__reserved",
        )
    )  # fmt: skip
    origin = None
    if here is not None:
        origin = _coords({"latitude": here.latitude, "longitude": here.longitude})
    lines = []
    for row in rows:
        where = _coords(row)
        lines.append(
            StoreLine(
                code=row["code"],
                name=row["name"],
                city=row["city"],
                kind=row["kind"],
                available=max(0, (row["level__on_hand"] or 0) - (row["level__reserved"] or 0)),
                distance_km=round(haversine_km(origin, where), 1) if origin and where else None,
                click_and_collect=row["click_and_collect"],
                pickup_sla=StockLocation.PickupSla(row["pickup_sla"]).label if row["pickup_sla"] else "",
            )
        )
    far = float("inf")
    return sorted(lines, key=lambda s: (s.distance_km if s.distance_km is not None else far, s.code))


def _picture(product: Product, values: dict[str, Any], channels: Sequence[Channel], at: datetime) -> str:
    """The main picture as the store channel shows it (rights and overrides applied by feed_images), in
    its store-screen rendition when made; else the family's image attribute (a URL)."""
    channel = next((c for c in channels if c.kind == Channel.Kind.STORE), channels[0] if channels else None)
    if channel is not None:
        main = next(
            (
                image
                for image in feed_images([product.pk], channel, at).get(product.pk, [])
                if image.role == "main"
            ),
            None,
        )
        if main is not None:
            screen = (
                Rendition.objects.filter(asset_id=main.asset_id, spec__code=SCREEN_SPEC)
                .filter(source_sha256=F("asset__sha256"))
                .first()
            )
            return screen.file.url if screen else main.url
    image = product.family.image_attribute
    return _text(values, image.code, "") if image else ""


def product_card(product: Product, *, here: StockLocation | None, locale: str, at: datetime) -> Card:
    """All a salesperson needs about one product, in a constant number of queries whatever the number of
    stores and channels."""
    values = _merged(product)
    family = product.family
    lineage = (product, product.parent, product.parent and product.parent.parent)
    family_variant = next((p.family_variant_id for p in lineage if p and p.family_variant_id), None)
    axes = _axes({family_variant} if family_variant else set())
    attributes = [
        a
        for a in family.attributes.filter(type__in=KEY_TYPES).order_by(
            "group__sort_order", "sort_order", "code"
        )
        if family.label_attribute_id != a.pk and a.code not in axes
    ]
    selects = [a.code for a in attributes if a.type in (T.SELECT, T.MULTISELECT)]
    options = _option_labels([*axes, *selects], locale)
    shown = [(a.label(locale), _display(values, a.code, options, locale)) for a in attributes]
    channels = list(Channel.objects.filter(is_active=True).order_by("code"))
    available = available_to_sell([product.pk], [c.code for c in channels])
    prices = channel_prices_at([product.pk], channels, at)
    lines = [
        ChannelLine(c.code, c.name, prices.get((product.pk, c.pk)), available[(product.pk, c.code)])
        for c in channels
    ]
    every = stock_by_location(product.pk, here)
    here_line = next((s for s in every if here is not None and s.code == here.code), None)
    return Card(
        product=product,
        name=_text(values, family.label_attribute.code if family.label_attribute_id else "name", locale)
        or product.sku,
        picture=_picture(product, values, channels, at),
        attributes=[(label, text) for label, text in shown if text],
        chips=[chip for chip in (_display(values, code, options, locale) for code in axes) if chip],
        here=here_line,
        stores=[s for s in every if s.kind == StockLocation.Kind.STORE and s is not here_line],
        warehouses=[s for s in every if s.kind == StockLocation.Kind.WAREHOUSE],
        channels=lines,
    )


def _sellable() -> QuerySet[Product]:
    """Products a customer can buy (not models), with what their card reads, in one query."""
    return Product.objects.select_related(
        "family__label_attribute", "family__image_attribute", "parent__parent", "family_variant"
    ).filter(enabled=True, is_model=False)


def card_product(sku: str) -> Product | None:
    return _sellable().filter(sku=sku).first()


def home_store(user: Any) -> StockLocation | None:
    link = StaffStore.objects.select_related("location").filter(user_id=user.pk).first()
    return link.location if link else None


def stores() -> list[StockLocation]:
    return list(StockLocation.objects.filter(kind=StockLocation.Kind.STORE, is_active=True).order_by("name"))
