"""Feed formats: how an item becomes a channel's fields, the channel's rules, and the bytes written.

Each format turns an Item into one or more entries (dicts of feed fields, in a fixed order), checks each
entry against the channel's rules (a rule may apply only from a date, so a preview at a future instant
shows what will fail then), and renders the entries that pass. Nothing here reads the database.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from xml.sax.saxutils import escape

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_noop

from apps.campaigns.models import Benefit
from apps.channels.models import Feed
from apps.channels.selectors import Announced, Context, Item, money
from apps.core.sheets import CsvWriter
from apps.core.stored_text import said
from apps.products.services import gtin_check

GOOGLE_NS = "http://base.google.com/ns/1.0"
GOOGLE_AVAILABILITY = {"in_stock", "out_of_stock", "preorder", "backorder"}
META_AVAILABILITY = {"in stock", "out of stock", "preorder", "available for order", "discontinued"}
CONDITIONS = {"new", "refurbished", "used"}
PICKUP_METHODS = {"buy", "reserve", "ship to store", "not supported"}
PICKUP_SLAS = {"same_day", "next_day", "2-day", "3-day", "4-day", "5-day", "6-day", "multi-week"}
_PRICE = re.compile(r"^\d+(\.\d+)? [A-Z]{3}$")
_URL = re.compile(r"^https?://[^\s/]+\.?[^\s]*$")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_HTML = re.compile(r"<[a-zA-Z/!][^>]*>")
# Google's image minimum rises on this date for every item; previews after it show what will fail.
GOOGLE_LARGER_IMAGES_FROM = date(2027, 1, 31)

Entry = dict[str, str]
# fields every format fills when the product has no value: `condition` is "new" then
FILLED_WHEN_EMPTY = frozenset({"condition"})


@dataclass(frozen=True)
class Violation:
    field: str
    rule: str
    message: str


@dataclass(frozen=True)
class Rule:
    field: str
    code: str
    check: Callable[[Entry, Item], str | None]
    since: date | None = None
    required: bool = False  # an empty field fails this rule

    def applies(self, at: datetime) -> bool:
        return self.since is None or at.date() >= self.since


def _length(name: str, low: int, high: int) -> Rule:
    def check(entry: Entry, item: Item) -> str | None:
        size = len(entry.get(name, ""))
        if size < low:
            return (
                said(gettext_noop("%(field)s is required"), field=name)
                if low == 1
                else said(
                    gettext_noop("%(field)s has %(size)s characters, at least %(low)s needed"),
                    field=name,
                    size=size,
                    low=low,
                )
            )
        if size > high:
            return said(
                gettext_noop("%(field)s has %(size)s characters; the channel accepts at most %(high)s"),
                field=name,
                size=size,
                high=high,
            )
        return None

    return Rule(name, f"{name}_length", check, required=low >= 1)


def _one_of(name: str, allowed: set[str], required: bool = True) -> Rule:
    def check(entry: Entry, item: Item) -> str | None:
        value = entry.get(name, "")
        if not value and not required:
            return None
        if value not in allowed:
            return said(
                gettext_noop("%(field)s %(value)s is not one of %(allowed)s"),
                field=name,
                value=repr(value),
                allowed=", ".join(sorted(allowed)),
            )
        return None

    return Rule(name, f"{name}_value", check, required=required)


def _url(name: str, required: bool = True) -> Rule:
    def check(entry: Entry, item: Item) -> str | None:
        value = entry.get(name, "")
        if not value:
            return said(gettext_noop("%(field)s is required"), field=name) if required else None
        if not _URL.match(value):
            return said(
                gettext_noop("%(field)s %(value)s is not an absolute http(s) URL"),
                field=name,
                value=repr(value),
            )
        return None

    return Rule(name, f"{name}_url", check, required=required)


def _price(name: str, required: bool = True) -> Rule:
    def check(entry: Entry, item: Item) -> str | None:
        value = entry.get(name, "")
        if not value:
            return said(gettext_noop("no price on this channel")) if required else None
        if not _PRICE.match(value):
            return said(
                gettext_noop("%(field)s %(value)s is not of the form '12.50 EUR'"),
                field=name,
                value=repr(value),
            )
        if Decimal(value.split()[0]) <= 0:
            return said(gettext_noop("%(field)s %(value)s must be above zero"), field=name, value=value)
        return None

    return Rule(name, f"{name}_format", check, required=required)


def _no_html(name: str) -> Rule:
    def check(entry: Entry, item: Item) -> str | None:
        return (
            said(gettext_noop("%(field)s contains HTML, which the channel forbids"), field=name)
            if _HTML.search(entry.get(name, ""))
            else None
        )

    return Rule(name, f"{name}_no_html", check)


def _sale_below_price(entry: Entry, item: Item) -> str | None:
    sale = entry.get("sale_price")
    if not sale:
        return None
    regular = entry.get("price", "")
    if regular and Decimal(sale.split()[0]) >= Decimal(regular.split()[0]):
        return said(
            gettext_noop("sale price %(sale)s is not below the price %(price)s"), sale=sale, price=regular
        )
    if "sale_price_effective_date" in entry and not entry["sale_price_effective_date"]:
        return said(gettext_noop("a sale price needs its effective dates"))
    return None


def _availability_date(entry: Entry, item: Item) -> str | None:
    if entry.get("availability") in ("preorder", "backorder") and not entry.get("availability_date"):
        return said(
            gettext_noop("availability %(availability)s needs an availability_date"),
            availability=entry["availability"],
        )
    return None


def _gtin(entry: Entry, item: Item) -> str | None:
    """The catalog's own GTIN check, again: data written around the services (SQL, COPY) is caught here."""
    if not entry.get("gtin"):
        return None
    try:
        gtin_check(entry["gtin"])
    except ValidationError as exc:
        return " ".join(exc.message_dict["gtin"])
    return None


def _image_size(minimum: int, apparel_minimum: int | None = None) -> Callable[[Entry, Item], str | None]:
    def check(entry: Entry, item: Item) -> str | None:
        if not item.images or item.images[0].width is None:
            return None
        image = item.images[0]
        apparel = "apparel" in entry.get("google_product_category", "").lower()
        needed = apparel_minimum if apparel and apparel_minimum else minimum
        if image.width < needed or image.height < needed:
            return said(
                gettext_noop("main image is %(size)s; at least %(needed)s needed"),
                size=f"{image.width}×{image.height}",
                needed=f"{needed}×{needed}",
            )
        return None

    return check


class Format:
    extension = "xml"
    content_type = "application/xml; charset=utf-8"
    rules: list[Rule] = []

    def header(self, ctx: Context) -> str:
        return ""

    def footer(self, ctx: Context) -> str:
        return ""

    def entries(self, item: Item, ctx: Context) -> list[Entry]:
        raise NotImplementedError

    def render(self, entry: Entry, item: Item) -> str:
        raise NotImplementedError

    def required_fields(self) -> set[str]:
        """The feed fields an entry may not leave empty (those the feed fills itself when empty aside)."""
        return {rule.field for rule in self.rules if rule.required} - FILLED_WHEN_EMPTY

    def check(self, entry: Entry, item: Item, at: datetime) -> list[Violation]:
        found = []
        for rule in self.rules:
            if rule.applies(at) and (message := rule.check(entry, item)):
                found.append(Violation(rule.field, rule.code, message))
        return found


def _availability(item: Item, in_stock: str, out_of_stock: str) -> str:
    return in_stock if item.available > 0 else out_of_stock


def _common(item: Item, ctx: Context, in_stock: str, out_of_stock: str) -> Entry:
    """The fields every product feed shares, in their feed names."""
    price = item.price
    entry: Entry = {
        "id": item.sku,
        "title": ctx.plain(ctx.text(item, "title")),
        "description": ctx.plain(ctx.text(item, "description")),
        "link": ctx.link(item),
        "image_link": item.images[0].url if item.images else "",
        "availability": _availability(item, in_stock, out_of_stock),
        # the crossed-out price is never above the 30-day reference price (ChannelPrice.crossed_out)
        "price": money(price.crossed_out if price.on_sale else price.amount, price.currency) if price else "",
        "sale_price": "",
        "brand": ctx.text(item, "brand"),
        "gtin": item.gtin,
        "item_group_id": item.group,
        "condition": ctx.text(item, "condition") or "new",
    }
    if price and price.on_sale:
        entry["sale_price"] = money(price.amount, price.currency)
    return entry


def _effective_dates(item: Item) -> str:
    price = item.price
    if not price or not price.promotion or not (price.valid_from and price.valid_until):
        return ""
    start, end = (
        timezone.localtime(at).isoformat(timespec="minutes") for at in (price.valid_from, price.valid_until)
    )
    return f"{start}/{end}"


# fields Google repeats, one element each, in XML; an entry keeps their values separated by commas
REPEATED = frozenset({"promotion_id", "promotion_destination"})


def _xml_item(entry: Entry) -> str:
    parts = ["<item>"]
    for name, value in entry.items():
        for one in value.split(",") if name in REPEATED else [value]:
            if one:
                parts.append(f"<g:{name}>{escape(_CONTROL.sub('', one))}</g:{name}>")
    parts.append("</item>\n")
    return "".join(parts)


GOOGLE_MAX_PROMOTION_IDS = 10


def _promotion_ids(entry: Entry, item: Item) -> str | None:
    ids = [one for one in entry.get("promotion_id", "").split(",") if one]
    if len(ids) > GOOGLE_MAX_PROMOTION_IDS:
        return f"promotion_id carries {len(ids)} promotions; Google reads at most {GOOGLE_MAX_PROMOTION_IDS}"
    return None


class GoogleMerchant(Format):
    rules = [
        _length("id", 1, 50),
        _length("title", 1, 150),
        _length("description", 1, 5000),
        _no_html("description"),
        _url("link"),
        _url("image_link"),
        _one_of("availability", GOOGLE_AVAILABILITY),
        Rule("availability_date", "availability_date_required", _availability_date),
        _price("price"),
        _price("sale_price", required=False),
        Rule("sale_price", "sale_below_price", _sale_below_price),
        _one_of("condition", CONDITIONS),
        _length("brand", 0, 70),
        Rule("gtin", "gtin_valid", _gtin),
        Rule("image_link", "image_min_size", _image_size(100, 250)),
        Rule("image_link", "image_min_size_2027", _image_size(500), since=GOOGLE_LARGER_IMAGES_FROM),
        Rule("promotion_id", "promotion_id_count", _promotion_ids),
    ]

    def header(self, ctx: Context) -> str:
        channel = ctx.channel
        return (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<rss xmlns:g="{GOOGLE_NS}" version="2.0">\n<channel>\n'
            f"<title>{escape(channel.name)}</title>\n<link>{escape(channel.base_url)}</link>\n"
            f"<description>{escape(channel.name)} ({escape(ctx.locale)})</description>\n"
        )

    def footer(self, ctx: Context) -> str:
        return "</channel>\n</rss>\n"

    def entries(self, item: Item, ctx: Context) -> list[Entry]:
        entry = _common(item, ctx, "in_stock", "out_of_stock")
        mpn = ctx.text(item, "mpn")
        entry.update(
            {
                "additional_image_link": "",
                "sale_price_effective_date": _effective_dates(item) if entry["sale_price"] else "",
                "mpn": mpn,
                "identifier_exists": "yes" if item.gtin or (mpn and entry["brand"]) else "no",
                "google_product_category": ctx.text(item, "google_product_category"),
                "product_type": ctx.product_type(item),
                "color": ctx.text(item, "color"),
                "size": ctx.text(item, "size"),
                "gender": ctx.text(item, "gender"),
                "age_group": ctx.text(item, "age_group"),
                "material": ctx.text(item, "material").replace(", ", "/"),
                "shipping_weight": ctx.text(item, "shipping_weight")
                .replace("KILOGRAM", "kg")
                .replace("GRAM", "g"),
            }
        )
        extra = item.images[1:11]
        entry["additional_image_link"] = ",".join(image.url for image in extra)
        entry["promotion_id"] = ",".join(item.promotion_ids)
        return [entry]

    def render(self, entry: Entry, item: Item) -> str:
        return _xml_item(entry)


class GoogleLocalInventory(Format):
    """One entry per product and store serving the channel: what the store has, and click and collect."""

    rules = [
        _length("store_code", 1, 64),
        _length("id", 1, 50),
        _price("price"),
        _one_of("availability", {"in_stock", "out_of_stock", "limited_availability"}),
        _one_of("pickup_method", PICKUP_METHODS, required=False),
        _one_of("pickup_sla", PICKUP_SLAS, required=False),
    ]

    def header(self, ctx: Context) -> str:
        return GoogleMerchant().header(ctx)

    def footer(self, ctx: Context) -> str:
        return GoogleMerchant().footer(ctx)

    def entries(self, item: Item, ctx: Context) -> list[Entry]:
        price = item.price
        result = []
        for store in item.stores:
            entry: Entry = {
                "store_code": store.store_code,
                "id": item.sku,
                "quantity": str(store.quantity),
                "price": money(price.crossed_out if price.on_sale else price.amount, price.currency)
                if price
                else "",
                "sale_price": money(price.amount, price.currency) if price and price.on_sale else "",
                "sale_price_effective_date": _effective_dates(item),
                "availability": "in_stock" if store.quantity > 0 else "out_of_stock",
                "pickup_method": "buy" if store.click_and_collect else "not supported",
                "pickup_sla": store.pickup_sla if store.click_and_collect else "",
            }
            if not entry["sale_price"]:
                entry["sale_price_effective_date"] = ""
            result.append(entry)
        return result

    def render(self, entry: Entry, item: Item) -> str:
        return _xml_item(entry)


class _Csv(Format):
    extension = "csv"
    content_type = "text/csv; charset=utf-8"
    columns: list[str] = []

    def header(self, ctx: Context) -> str:
        return self._line(self.columns)

    def render(self, entry: Entry, item: Item) -> str:
        return self._line([entry.get(column, "") for column in self.columns])

    @staticmethod
    def _line(cells: list[str]) -> str:
        """Cells a spreadsheet would run as a formula are escaped; prices and quantities stay numbers."""
        return CsvWriter(delimiter=",").line(cells)


class MetaCatalog(_Csv):
    columns = [
        "id", "title", "description", "availability", "condition", "price", "sale_price",
        "sale_price_effective_date", "link", "image_link", "additional_image_link", "brand", "item_group_id",
        "gtin",
    ]  # fmt: skip
    rules = [
        _length("id", 1, 100),
        _length("title", 1, 200),
        _length("description", 1, 9999),
        _one_of("availability", META_AVAILABILITY),
        _one_of("condition", CONDITIONS),
        _price("price"),
        _price("sale_price", required=False),
        Rule("sale_price", "sale_below_price", _sale_below_price),
        _url("link"),
        _url("image_link"),
        _length("brand", 1, 100),
        Rule("gtin", "gtin_valid", _gtin),
    ]

    def entries(self, item: Item, ctx: Context) -> list[Entry]:
        entry = _common(item, ctx, "in stock", "out of stock")
        entry["sale_price_effective_date"] = _effective_dates(item) if entry["sale_price"] else ""
        entry["additional_image_link"] = ",".join(image.url for image in item.images[1:11])
        return [entry]


def _generic(item: Item, ctx: Context) -> Entry:
    entry = _common(item, ctx, "in_stock", "out_of_stock")
    entry.update(
        {
            "quantity": str(item.available),
            "sale_price_effective_date": _effective_dates(item) if entry["sale_price"] else "",
            "product_type": ctx.product_type(item),
            "categories": ",".join(item.categories),
            "additional_image_link": ",".join(image.url for image in item.images[1:]),
        }
    )
    return entry


_GENERIC_RULES = [_length("id", 1, 64), _length("title", 1, 500), _price("price")]


class GenericCsv(_Csv):
    columns = [
        "id", "item_group_id", "title", "description", "brand", "gtin", "price", "sale_price",
        "sale_price_effective_date", "availability", "quantity", "link", "image_link",
        "additional_image_link", "product_type", "categories", "condition",
    ]  # fmt: skip
    rules = _GENERIC_RULES

    def entries(self, item: Item, ctx: Context) -> list[Entry]:
        return [_generic(item, ctx)]


class GenericJsonl(Format):
    extension = "jsonl"
    content_type = "application/x-ndjson; charset=utf-8"
    rules = _GENERIC_RULES

    def entries(self, item: Item, ctx: Context) -> list[Entry]:
        return [_generic(item, ctx)]

    def render(self, entry: Entry, item: Item) -> str:
        data = {**entry, "values": item.values}
        return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":")) + "\n"


PRODUCT_APPLICABILITY = {"all_products", "specific_products"}
OFFER_TYPES = {"no_code", "generic_code"}
REDEMPTION_CHANNELS = {"online", "in_store"}
PROMOTION_DESTINATIONS = {"Shopping_ads", "Free_listings", "Buy_on_Google_listings", "Local_inventory_ads"}
GOOGLE_MAX_PROMOTION_DAYS = 183
_PROMOTION_ID = re.compile(r"^[A-Za-z0-9_-]+$")
_LANGUAGE = re.compile(r"^[a-z]{2}$")
_COUNTRY = re.compile(r"^[A-Z]{2}$")


def _promotion_id(entry: Entry, item: Announced) -> str | None:
    value = entry.get("promotion_id", "")
    if value and not _PROMOTION_ID.match(value):
        return f"promotion_id {value!r} may hold only letters, digits, - and _ (no spaces)"
    return None


def _redemption_code(entry: Entry, item: Announced) -> str | None:
    code = entry.get("generic_redemption_code", "")
    if entry.get("offer_type") == "generic_code" and not code:
        return "a promotion with offer_type generic_code needs its generic_redemption_code"
    if entry.get("offer_type") == "no_code" and code:
        return "a promotion with offer_type no_code may not carry a generic_redemption_code"
    if any(char.isspace() for char in code):
        return f"generic_redemption_code {code!r} contains a space; Google takes codes without spaces"
    if len(code) > 20:
        return f"generic_redemption_code {code!r} has {len(code)} characters; Google accepts at most 20"
    return None


def _promotion_period(entry: Entry, item: Announced) -> str | None:
    """Google's dates: an end after the start and after now, at most 183 days between them."""
    if not entry.get("promotion_effective_dates"):
        return "promotion_effective_dates is required"
    # counted in wall-clock time, as a person counts days: a window across a clock change is whole days
    start, end = (timezone.localtime(at).replace(tzinfo=None) for at in (item.starts_at, item.ends_at))
    days = (end - start) / timedelta(days=1)
    if item.ends_at <= item.starts_at:
        return "the promotion ends before it starts"
    if days > GOOGLE_MAX_PROMOTION_DAYS:
        return (
            f"the promotion lasts {days:g} days ({entry['promotion_effective_dates']}); "
            f"Google accepts at most {GOOGLE_MAX_PROMOTION_DAYS} days"
        )
    if item.ends_at <= item.at:
        end = timezone.localtime(item.ends_at).isoformat(timespec="minutes")
        return f"the promotion ended on {end}; Google takes only promotions ending in the future"
    return None


def _discount(entry: Entry, item: Announced) -> str | None:
    """One structured discount Google can show: a whole percentage off (1 to 100), or an amount off."""
    if item.benefit == Benefit.FIXED_PRICE:
        return "a fixed price has no form in Google's promotions; the product feed's sale_price announces it"
    percent, amount = entry.get("percent_off", ""), entry.get("money_off_amount", "")
    if not percent and not amount:
        if item.promotion is None:
            return (
                f"the code {item.code} is tied to no promotion, so Noel does not know its discount: link "
                "it to a promotion to announce it (Google needs percent_off or money_off_amount)"
            )
        return "percent_off or money_off_amount is required"
    if percent:
        try:
            number = Decimal(percent)
        except InvalidOperation:
            return f"percent_off {percent!r} is not a number"
        if number != number.to_integral_value() or not 1 <= number <= 100:
            return f"percent_off {percent} is not a whole percentage from 1 to 100, as Google requires"
    if amount and (not _PRICE.match(amount) or Decimal(amount.split()[0]) <= 0):
        return f"money_off_amount {amount!r} is not an amount above zero of the form '12.50 EUR'"
    return None


def _destinations(entry: Entry, item: Announced) -> str | None:
    values = [one for one in entry.get("promotion_destination", "").split(",") if one]
    if not values:
        return "promotion_destination is required"
    wrong = [one for one in values if one not in PROMOTION_DESTINATIONS]
    if wrong:
        return f"promotion_destination {wrong[0]!r} is not one of {', '.join(sorted(PROMOTION_DESTINATIONS))}"
    return None


def _pattern(name: str, pattern: re.Pattern, form: str) -> Rule:
    def check(entry: Entry, item: Announced) -> str | None:
        value = entry.get(name, "")
        if not value:
            return f"{name} is required"
        if not pattern.match(value):
            return f"{name} {value!r} is not {form}"
        return None

    return Rule(name, f"{name}_format", check, required=True)


def _number(value: Decimal) -> str:
    """A percentage as Google reads it: 20, not 20.0000."""
    normal = value.normalize()
    return f"{normal:f}"


class GooglePromotions(Format):
    """Merchant Center's promotions data source, in its XML form: one item per promotion of an approved
    campaign on the channel and per code shared by every customer, linked to the products by the
    `promotion_id` the Google product feed carries (no item filters: Google would intersect them)."""

    rules = [
        _length("promotion_id", 1, 50),
        Rule("promotion_id", "promotion_id_format", _promotion_id),
        _one_of("product_applicability", PRODUCT_APPLICABILITY),
        _one_of("offer_type", OFFER_TYPES),
        Rule("generic_redemption_code", "generic_redemption_code", _redemption_code),
        _length("long_title", 1, 60),
        Rule("promotion_effective_dates", "promotion_period", _promotion_period, required=True),
        _one_of("redemption_channel", REDEMPTION_CHANNELS),
        Rule("promotion_destination", "promotion_destination_value", _destinations, required=True),
        Rule("percent_off", "discount", _discount),
        _pattern("target_country", _COUNTRY, "a two-letter country code such as FR"),
        _pattern("content_language", _LANGUAGE, "a two-letter language code such as fr"),
    ]

    def header(self, ctx: Context) -> str:
        return GoogleMerchant().header(ctx)

    def footer(self, ctx: Context) -> str:
        return GoogleMerchant().footer(ctx)

    def entries(self, item: Announced, ctx: Context) -> list[Entry]:  # type: ignore[override]
        language, _sep, country = ctx.locale.partition("_")
        start, end = (
            timezone.localtime(at).isoformat(timespec="minutes") for at in (item.starts_at, item.ends_at)
        )
        percent = amount = ""
        if item.benefit == Benefit.PERCENTAGE_OFF and item.value is not None:
            percent = _number(item.value)
        elif item.benefit == Benefit.AMOUNT_OFF and item.value is not None:
            amount = money(item.value, item.currency)
        return [
            {
                "promotion_id": item.promotion_id,
                "product_applicability": "specific_products" if item.promotion else "all_products",
                "offer_type": "generic_code" if item.code else "no_code",
                "generic_redemption_code": item.code,
                "long_title": item.title,
                "promotion_effective_dates": f"{start}/{end}",
                "redemption_channel": "online",
                "promotion_destination": "Shopping_ads,Free_listings",
                "percent_off": percent,
                "money_off_amount": amount,
                "target_country": country.upper(),
                "content_language": language.lower(),
            }
        ]

    def render(self, entry: Entry, item: Announced) -> str:  # type: ignore[override]
        return _xml_item(entry)


FORMATS: dict[str, Format] = {
    Feed.Format.GOOGLE: GoogleMerchant(),
    Feed.Format.GOOGLE_LOCAL: GoogleLocalInventory(),
    Feed.Format.GOOGLE_PROMOTIONS: GooglePromotions(),
    Feed.Format.META: MetaCatalog(),
    Feed.Format.CSV: GenericCsv(),
    Feed.Format.JSONL: GenericJsonl(),
}


def required_attributes(feeds) -> dict[str, set[str]]:
    """Per channel code, the attributes its active feeds need filled: the format's mandatory fields that
    the feed maps to an attribute (title → name, description → description…)."""
    result: dict[str, set[str]] = {}
    for feed in feeds:
        fmt = FORMATS.get(feed.format)
        if fmt is None:
            continue
        codes = {feed.field(name) for name in fmt.required_fields()} - {""}
        result.setdefault(feed.channel.code, set()).update(codes)
    return result
