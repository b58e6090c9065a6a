"""The catalog for integrators: products with their values, completeness, and what upper apps add
(prices, availability) through `product_extras`. Cursor pagination, ETag/304, If-Match on writes."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Literal

from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Query, Router, Status
from ninja.errors import HttpError
from pydantic import field_validator

from apps.core.api_auth import allowed_channels, require, shown_channels
from apps.core.api_schema import InputSchema, one_of
from apps.core.instants import Instant
from apps.products import flat, policies, selectors, services
from apps.products import values as vals
from apps.products.models import Attribute, Category, Completeness, Family, FamilyVariant, Product

router = Router(tags=["catalog"])
reference_router = Router(tags=["catalog reference"])

# Upper apps add per-product data for a page of products: name → function(products, request) → {pk: data}.
ProductExtra = Callable[[list[Product], HttpRequest], dict[int, Any]]
product_extras: dict[str, ProductExtra] = {}

BASE_FIELDS = (
    "sku", "gtin", "family", "parent", "family_variant", "is_model", "status", "enabled", "categories",
    "values", "associations", "version", "updated_at", "completeness",
)  # fmt: skip


class ProductFilters(InputSchema):
    cursor: str | None = None
    limit: int = 50
    updated_since: Instant | None = None
    family: str | None = None
    category: str | None = None
    status: one_of(Product.Status) | None = None
    incomplete_for: str | None = None
    q: str | None = None
    locales: str | None = None
    channels: str | None = None
    fields: str | None = None

    @field_validator("updated_since")
    @classmethod
    def in_utc(cls, value: datetime | None) -> datetime | None:
        """PostgreSQL takes offsets up to ±15:59 only; any offset is fine once converted to UTC."""
        if value is None:
            return None
        if timezone.is_naive(value):
            value = timezone.make_aware(value)
        return value.astimezone(UTC)


def _cursor(sku: str) -> str:
    return base64.urlsafe_b64encode(sku.encode()).decode()


def _decode(cursor: str) -> str:
    try:
        return base64.urlsafe_b64decode(cursor.encode()).decode()
    except (ValueError, UnicodeDecodeError) as exc:
        raise HttpError(400, "cursor is not one this API gave") from exc


def _queryset():
    return Product.objects.select_related("family", "parent", "family_variant").defer("search_text")


def _completeness(products: list[Product]) -> dict[int, list[dict]]:
    """Completeness of a page of products in one query, per channel and locale in code order."""
    rows: dict[int, list[dict]] = {p.pk: [] for p in products}
    for stored in Completeness.objects.filter(product_id__in=list(rows)):
        rows[stored.product_id] = [
            {"channel": channel, "locale": locale, "ratio": score.ratio, "missing": score.missing}
            for channel, locales in stored.by_channel()
            for locale, score in locales
        ]
    return rows


def _filter_values(
    values: dict,
    locales: set[str] | None,
    channels: set[str] | None,
    chains: dict[str, tuple[str, ...]] | None = None,
) -> tuple[dict, dict[str, str]]:
    """The values of the locales and channels shown. For each channel shown, a scoped value it has none
    of is the one it takes from another channel (as its feeds and completeness read it); the second
    result names those, as {"column": "channel it comes from"} in Akeneo's column names."""
    if not locales and channels is None:
        return values, {}
    kept: dict[str, Any] = {}
    inherited: dict[str, str] = {}
    for code, by_locale in values.items():
        for locale, by_channel in by_locale.items():
            if locales and locale != vals.ANY and locale not in locales:
                continue
            for channel, value in by_channel.items():
                if channels is not None and channel != vals.ANY and channel not in channels:
                    continue
                kept.setdefault(code, {}).setdefault(locale, {})[channel] = value
            if not chains or channels is None or vals.ANY in by_channel:
                continue
            for channel in sorted(channels - by_channel.keys()):
                found = vals.value_source(
                    {code: {locale: by_channel}}, code, locale, channel, chains[channel]
                )
                if found is not None:
                    kept.setdefault(code, {}).setdefault(locale, {})[channel] = found[0]
                    inherited[vals.column_name(code, locale, channel)] = found[1]
    return kept, inherited


def _payloads(products: list[Product], request: HttpRequest, filters: ProductFilters) -> list[dict]:
    wanted = (
        set(filters.fields.split(","))
        if filters.fields
        else {*BASE_FIELDS, *product_extras, "inherited_from"}
    )
    locales = set(filters.locales.split(",")) if filters.locales else None
    channels = shown_channels(request, filters.channels or "")  # asked for, within the token's limits
    extras = {name: extra(products, request) for name, extra in product_extras.items() if name in wanted}
    chains = vals.channel_chains() if channels is not None else None
    if chains is not None:
        channels = channels & chains.keys()  # a channel that does not exist has no values to show
    completeness = _completeness(products) if "completeness" in wanted else {}
    payloads = []
    for p in products:
        values, inherited = _filter_values(p.values, locales, channels, chains)
        full = {
            "sku": p.sku,
            "gtin": p.gtin,
            "family": p.family.code,
            "parent": p.parent.sku if p.parent_id else None,
            "family_variant": p.family_variant.code if p.family_variant_id else None,
            "is_model": p.is_model,
            "status": p.status,
            "enabled": p.enabled,
            "categories": p.categories,
            "values": values,
            "associations": p.associations,
            "version": p.version,
            "updated_at": p.updated_at,
            "completeness": [
                row
                for row in completeness.get(p.pk, [])
                if (channels is None or row["channel"] in channels)
                and (not locales or row["locale"] in locales)
            ],
        }
        if channels is not None:  # read for some channels: where their values came from
            full["inherited_from"] = inherited
        full.update({name: data.get(p.pk) for name, data in extras.items()})
        payloads.append({key: value for key, value in full.items() if key in wanted or key == "sku"})
    return payloads


@router.get("", summary="List products", response=dict)
def list_products(request: HttpRequest, filters: Query[ProductFilters]):
    """Products in SKU order, `limit` per page (≤ 200); follow `next_cursor` for the next page."""
    require(request, "read", "products.view_product")
    limit = max(1, min(filters.limit, 200))
    queryset = _filtered(request, filters)
    if filters.cursor:
        queryset = queryset.filter(sku__gt=_decode(filters.cursor))
    page = list(queryset[: limit + 1])
    more = len(page) > limit
    page = page[:limit]
    return {
        "items": _payloads(page, request, filters),
        "next_cursor": _cursor(page[-1].sku) if more else None,
    }


class ExportOptions(InputSchema):
    format: Literal["csv", "xlsx"] = "csv"
    delimiter: Literal[";", ","] = ";"
    attributes: str | None = None


@router.get("/export", summary="Export products as Noel's flat file (CSV or XLSX)")
def export_products(request: HttpRequest, filters: Query[ProductFilters], options: Query[ExportOptions]):
    """The same filters as the list, every matching product in one file (CSV streamed), in the columns
    that import back unchanged; `attributes`, `locales`, `channels` (comma-separated) trim them. A token
    limited to some channels exports their values only."""
    require(request, "read", "products.view_product")
    channels = _codes(filters.channels)
    if (allowed := allowed_channels(request)) is not None:
        channels = (channels if channels is not None else allowed) & allowed
    return flat.download(
        _filtered(request, filters),
        file_format=options.format,
        delimiter=options.delimiter,
        attributes=_codes(options.attributes),
        locales=_codes(filters.locales),
        channels=channels,
    )


def _codes(text: str | None) -> set[str] | None:
    return {code.strip() for code in text.split(",") if code.strip()} if text else None


def _filtered(request: HttpRequest, filters: ProductFilters) -> QuerySet[Product]:
    """The products a list or an export shows: those the person may see, filtered, in SKU order."""
    queryset = policies.visible_products(request.user, _queryset()).order_by("sku")
    if filters.updated_since:
        queryset = queryset.filter(updated_at__gte=filters.updated_since)
    if filters.family:
        queryset = queryset.filter(family__code=filters.family)
    if filters.status:
        queryset = queryset.filter(status=filters.status)
    if filters.category:
        queryset = selectors.products_in_category(queryset, filters.category)
    if filters.incomplete_for:
        channel, _, locale = filters.incomplete_for.partition(":")
        queryset = selectors.products_incomplete(queryset, channel=channel, locale=locale)
    if filters.q:
        queryset = selectors.product_search(queryset, filters.q)
    return queryset


def _etag(payload: dict) -> str:
    digest = hashlib.sha256(json.dumps(payload, cls=DjangoJSONEncoder, sort_keys=True).encode()).hexdigest()[
        :20
    ]
    return f'"v{payload.get("version", 0)}-{digest}"'


@router.get("/{sku}", summary="One product", response=dict)
def get_product(request: HttpRequest, sku: str, filters: Query[ProductFilters]):
    """With `ETag`; send it back in `If-None-Match` to get `304 Not Modified` when nothing changed."""
    require(request, "read", "products.view_product")
    product = get_object_or_404(policies.visible_products(request.user, _queryset()), sku=sku)
    payload = _payloads([product], request, filters)[0]
    etag = _etag(payload)
    if request.headers.get("If-None-Match") == etag:
        response = HttpResponse(status=304)
    else:
        response = HttpResponse(json.dumps(payload, cls=DjangoJSONEncoder), content_type="application/json")
    response["ETag"] = etag
    return response


class ProductIn(InputSchema):
    sku: str
    family: str
    values: dict[str, Any] = {}
    categories: list[str] = []
    parent: str | None = None
    family_variant: str | None = None
    is_model: bool = False
    gtin: str | None = None
    enabled: bool = True
    associations: dict[str, list[str]] = {}


class ProductPatch(InputSchema):
    version: int | None = None
    gtin: str | None = None
    enabled: bool | None = None
    family: str | None = None
    categories: list[str] | None = None
    values: dict[str, Any] | None = None
    associations: dict[str, list[str]] | None = None


@router.post("", summary="Create a product", response={201: dict})
def create_product(request: HttpRequest, body: ProductIn):
    """Validated and versioned exactly as in the admin; a refusal names the attribute, locale, channel."""
    require(request, "write", "products.add_product")
    product = services.product_create(
        actor=request.user,
        sku=body.sku,
        family=get_object_or_404(Family, code=body.family),
        values=body.values,
        categories=body.categories,
        parent=get_object_or_404(Product, sku=body.parent) if body.parent else None,
        family_variant=get_object_or_404(FamilyVariant, code=body.family_variant)
        if body.family_variant
        else None,
        is_model=body.is_model,
        gtin=body.gtin,
        enabled=body.enabled,
        associations=body.associations,
    )
    return Status(201, _payloads([_queryset().get(pk=product.pk)], request, ProductFilters())[0])


_VERSION = re.compile(r'^(?:W/)?"?v?(\d+)')


@router.patch("/{sku}", summary="Change a product", response=dict)
def update_product(request: HttpRequest, sku: str, body: ProductPatch):
    """Send the version you read, in `If-Match` (the ETag) or in the body; a stale one gets 409 with
    what changed since. Values are merged per attribute, locale and channel; null clears a value."""
    require(request, "write", "products.change_product")
    product = get_object_or_404(policies.visible_products(request.user, Product.objects.all()), sku=sku)
    match = _VERSION.match(request.headers.get("If-Match", ""))
    version = int(match.group(1)) if match else body.version
    if version is None:
        raise HttpError(428, "send the version you read: If-Match header (the ETag) or a version field")
    changes = {k: v for k, v in body.dict(exclude_unset=True).items() if k != "version"}
    if "family" in changes:
        changes["family"] = get_object_or_404(Family, code=changes["family"])
    services.product_update(actor=request.user, product=product, expected_version=version, changes=changes)
    return _payloads([_queryset().get(pk=product.pk)], request, ProductFilters())[0]


@reference_router.get("/categories", summary="Category tree", response=list[dict])
def list_categories(request: HttpRequest):
    require(request, "read", "products.view_category")
    parents = {}
    rows = []
    for category in Category.objects.order_by("path"):
        parents[category.path] = category.code
        parent = parents.get(category.path[: -Category.steplen]) if category.depth > 1 else None
        rows.append({"code": category.code, "parent": parent, "labels": category.labels})
    return rows


@reference_router.get("/attributes", summary="Attributes", response=list[dict])
def list_attributes(request: HttpRequest):
    require(request, "read", "products.view_attribute")
    attributes = Attribute.objects.select_related("group", "measurement_family").prefetch_related("options")
    return [
        {
            "code": a.code,
            "type": a.type,
            "group": a.group.code,
            "labels": a.labels,
            "localizable": a.localizable,
            "scopable": a.scopable,
            "unique": a.unique,
            "measurement_family": a.measurement_family.code if a.measurement_family else None,
            "options": [{"code": o.code, "labels": o.labels} for o in a.options.all()],
        }
        for a in attributes.order_by("code")
    ]


@reference_router.get("/families", summary="Families", response=list[dict])
def list_families(request: HttpRequest):
    require(request, "read", "products.view_family")
    families = Family.objects.prefetch_related(
        "attributes", "requirements__channel", "requirements__attribute"
    )
    return [
        {
            "code": f.code,
            "labels": f.labels,
            "attributes": sorted(a.code for a in f.attributes.all()),
            "requirements": {
                channel: sorted(r.attribute.code for r in f.requirements.all() if r.channel.code == channel)
                for channel in sorted({r.channel.code for r in f.requirements.all()})
            },
        }
        for f in families.order_by("code")
    ]


class ReviewIn(InputSchema):
    comment: str = ""


def _review(request: HttpRequest, sku: str, permission: str):
    require(request, "write", permission)
    return get_object_or_404(policies.visible_products(request.user, Product.objects.all()), sku=sku)


@router.post("/{sku}/submit", summary="Submit for approval", response=dict)
def submit_product(request: HttpRequest, sku: str):
    product = services.product_submit(
        actor=request.user, product=_review(request, sku, "products.change_product")
    )
    return {"sku": product.sku, "status": product.status}


@router.post("/{sku}/approve", summary="Approve (four-eyes)", response=dict)
def approve_product(request: HttpRequest, sku: str, body: ReviewIn):
    """Refused (403) to whoever made, edited or submitted the change, whichever way they try."""
    product = _review(request, sku, "products.approve_product")
    product = services.product_approve(actor=request.user, product=product, comment=body.comment)
    return {"sku": product.sku, "status": product.status, "version": product.version}


@router.post("/{sku}/reject", summary="Send back with a comment", response=dict)
def reject_product(request: HttpRequest, sku: str, body: ReviewIn):
    product = _review(request, sku, "products.approve_product")
    product = services.product_reject(actor=request.user, product=product, comment=body.comment)
    return {"sku": product.sku, "status": product.status}
