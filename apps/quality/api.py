"""Quality findings and scores for integrators, read-only (scope `read`)."""

from __future__ import annotations

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router

from apps.core.api_auth import allowed_channels, require
from apps.core.api_schema import InputSchema
from apps.products import policies as catalog
from apps.products.models import Product
from apps.quality import policies, selectors
from apps.quality.models import Finding, Severity

router = Router(tags=["data quality"])


class FindingFilters(InputSchema):
    rule: str | None = None
    severity: Severity | None = None
    channel: str | None = None
    category: str | None = None
    sku: str | None = None
    state: str = Field("open", pattern="^(open|resolved|all)$")
    limit: int = Field(50, ge=1, le=200)
    before: int | None = Field(None, ge=1, description="id of the last finding of the previous page")


def _finding(f: Finding) -> dict:
    return {
        "id": f.pk,
        "rule": f.rule,
        "category": f.category,
        "severity": f.severity,
        "sku": f.product.sku,
        "channel": f.channel.code if f.channel_id else None,
        "locale": f.locale or None,
        "asset": f.asset_id,
        "message": f.message,
        "details": f.details,
        "first_seen": f.first_seen,
        "last_seen": f.last_seen,
        "resolved_at": f.resolved_at,
    }


@router.get("/findings", summary="List quality findings", response=dict)
def list_findings(request: HttpRequest, filters: Query[FindingFilters]):
    """Newest first (by id), `limit` ≤ 200, `before=<id>` for the next page; filters `rule`, `severity`,
    `channel`, `category` (kind of rule), `sku`, `state` (open, resolved, all). A token limited to some
    channels sees their findings and those of every channel."""
    require(request, "read", "quality.view_finding")
    queryset = selectors.findings(
        rule=filters.rule,
        severity=filters.severity,
        channel=filters.channel,
        category=filters.category,
        sku=filters.sku,
        open={"open": True, "resolved": False, "all": None}[filters.state],
    ).order_by("-id")
    queryset = policies.visible_quality(request.user, queryset)
    channels = allowed_channels(request)
    if channels is not None:
        queryset = queryset.filter(channel__isnull=True) | queryset.filter(channel__code__in=channels)
    if filters.before:
        queryset = queryset.filter(pk__lt=filters.before)
    page = list(queryset[: filters.limit + 1])
    return {
        "items": [_finding(f) for f in page[: filters.limit]],
        "next_before": page[filters.limit - 1].pk if len(page) > filters.limit else None,
    }


@router.get("/products/{sku}", summary="A product's quality score and open findings", response=dict)
def product_quality(request: HttpRequest, sku: str):
    require(request, "read", "quality.view_finding")
    product = get_object_or_404(catalog.visible_products(request.user, Product.objects.all()), sku=sku)
    score, open_findings = selectors.product_quality(product)
    return {
        "sku": product.sku,
        "score": score.score if score else None,
        "channels": score.channels if score else {},
        "blocking": score.blocking if score else 0,
        "warnings": score.warnings if score else 0,
        "checked_at": score.checked_at if score else None,
        "findings": [_finding(f) for f in open_findings],
    }


@router.get("/channels", summary="Quality score per channel", response=dict)
def channel_scores(request: HttpRequest):
    """The mean score of checked products per channel, and open blocking findings per channel."""
    require(request, "read", "quality.view_productscore")
    return {"scores": selectors.channel_scores(), "blocking": selectors.open_blocking_per_channel()}
