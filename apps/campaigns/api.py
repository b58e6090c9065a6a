"""Campaigns for integrators, read-only: the shop and the stores learn what runs when, where, on what
(the prices themselves are on the products, already switched), and download the coupon codes."""

from __future__ import annotations

from django.core.files.storage import default_storage
from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest, StreamingHttpResponse
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router

from apps.campaigns import selectors
from apps.campaigns.downloads import csv_response
from apps.campaigns.models import Banner, Campaign, Promotion
from apps.core.api_auth import allowed_channels, require
from apps.core.api_schema import InputSchema, one_of
from apps.core.models import Channel

router = Router(tags=["campaigns"])

# What integrators see: planned and past campaigns, never drafts or submissions still under review.
PUBLISHED = [s for s in Campaign.Status.values if s not in (Campaign.Status.DRAFT, Campaign.Status.SUBMITTED)]


class CampaignFilters(InputSchema):
    status: one_of(Campaign.Status) | None = None
    channel: str | None = None
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0, le=1_000_000)


def _queryset(request: HttpRequest) -> QuerySet[Campaign]:
    queryset = (
        Campaign.objects.filter(status__in=PUBLISHED)
        .prefetch_related(
            Prefetch("channels", queryset=Channel.objects.only("id", "code").order_by("code")),
            Prefetch(
                "promotions",
                queryset=Promotion.objects.prefetch_related("overrides__channel").order_by(
                    "-priority", "code"
                ),
            ),
            Prefetch("banners", queryset=Banner.objects.select_related("asset").order_by("position", "pk")),
        )
        .order_by("starts_at", "code")
    )
    channels = allowed_channels(request)
    if channels is not None:
        queryset = queryset.filter(channels__code__in=channels).distinct()
    return queryset


def _promotion(promotion: Promotion) -> dict:
    return {
        "code": promotion.code,
        "name": promotion.name,
        "target": {
            "skus": promotion.skus, "categories": promotion.categories, "families": promotion.families,
            "brands": promotion.brands, "filter": promotion.product_filter,
        },
        "benefit": promotion.benefit,
        "value": str(promotion.value.normalize()),
        "currency": promotion.currency_id,
        "channel_overrides": {
            o.channel.code: {"benefit": o.benefit, "value": str(o.value.normalize())}
            for o in promotion.overrides.all()
        },
        "priority": promotion.priority,
        "stacking": promotion.stacking,
        "buy_x_get_y": {"buy": promotion.buy_quantity, "free": promotion.free_quantity}
        if promotion.buy_x_get_y else None,
    }  # fmt: skip


def _banner(request: HttpRequest, banner: Banner) -> dict:
    asset = banner.asset
    return {
        "asset": asset.pk,
        "name": asset.original_name,
        "url": request.build_absolute_uri(default_storage.url(asset.file.name)),
        "width": asset.width,
        "height": asset.height,
        "alt_text": asset.alt_text,
    }


def _campaign(request: HttpRequest, campaign: Campaign) -> dict:
    return {
        "code": campaign.code,
        "name": campaign.name,
        "status": campaign.status,
        "starts_at": campaign.starts_at,
        "ends_at": campaign.ends_at,
        "timezone": campaign.timezone,
        "channels": [c.code for c in campaign.channels.all()],
        "promotions": [_promotion(p) for p in campaign.promotions.all()],
        "banners": [_banner(request, b) for b in campaign.banners.all()],
    }


@router.get("", summary="List campaigns", response=dict)
def list_campaigns(request: HttpRequest, filters: Query[CampaignFilters]):
    """Approved, scheduled, live, ended and cancelled campaigns by start, with their promotions; a token
    limited to channels sees only the campaigns on them. `limit` ≤ 200, `offset` ≤ 1,000,000."""
    require(request, "read", "campaigns.view_campaign")
    queryset = _queryset(request)
    if filters.status:
        queryset = queryset.filter(status=filters.status)
    if filters.channel:
        queryset = queryset.filter(channels__code=filters.channel).distinct()
    limit, offset = filters.limit, filters.offset
    page = list(queryset[offset : offset + limit + 1])
    return {
        "items": [_campaign(request, c) for c in page[:limit]],
        "next_offset": offset + limit if len(page) > limit else None,
    }


@router.get("/{code}", summary="One campaign", response=dict)
def get_campaign(request: HttpRequest, code: str):
    require(request, "read", "campaigns.view_campaign")
    return _campaign(request, get_object_or_404(_queryset(request), code=code))


@router.get("/{code}/coupons.csv", summary="Coupon codes (CSV)", response={200: None})
def campaign_coupons(request: HttpRequest, code: str) -> StreamingHttpResponse:
    """One row per code, `;`-separated: code, campaign, promotion, channels (`|`), validity in UTC,
    usage limit, uses. Streams whatever the batch size."""
    require(request, "read", "campaigns.view_coupon")
    campaign = get_object_or_404(_queryset(request), code=code)
    return csv_response(selectors.coupons_export_rows(campaign), f"coupons-{campaign.code}.csv")
