"""Suggestions for integrators, those whose own models write texts included: list them, bring one (judged
by the same guard rails), accept or reject one. Accepting writes the product as the catalog's PATCH does."""

from __future__ import annotations

from typing import Any, Literal

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Status

from apps.assist import guards, policies, services
from apps.assist.models import Suggestion
from apps.core.api_auth import allowed_channels, require
from apps.core.api_schema import InputSchema, one_of
from apps.products import policies as product_policies
from apps.products import values as vals
from apps.products.models import Product

router = Router(tags=["content assistance"])
TEXT_MAX = vals.TEXTAREA_MAX  # the longest text any attribute holds


class SuggestionFilters(InputSchema):
    status: one_of(Suggestion.Status) | None = None
    sku: str | None = None
    locale: str | None = None
    after: int | None = None
    limit: int = 50


class SuggestionIn(InputSchema):
    sku: str
    attribute: str
    locale: str
    channel: str = vals.ANY
    kind: Literal["draft", "translation"] = "draft"
    text: str = Field(max_length=TEXT_MAX)
    source_locale: str = ""
    model: str = ""
    prompt_version: str = ""
    inputs: dict[str, Any] = {}
    only_empty: bool = True


class AcceptIn(InputSchema):
    text: str | None = Field(None, max_length=TEXT_MAX)


class RejectIn(InputSchema):
    reason: str = ""


def _payload(s: Suggestion) -> dict[str, Any]:
    return {
        "id": s.pk,
        "sku": s.product.sku,
        "attribute": s.attribute,
        "locale": s.locale,
        "channel": s.channel,
        "kind": s.kind,
        "text": s.text,
        "source_locale": s.source_locale,
        "source_text": s.source_text,
        "status": s.status,
        "flags": [{**f, "message": guards.describe(f)} for f in s.flags],
        "provider": s.provider,
        "model": s.model,
        "prompt_version": s.prompt_version,
        "tokens": s.tokens,
        "base_version": s.base_version,
        "created_at": s.created_at,
        "decided_by": s.decided_by.get_username() if s.decided_by else None,
        "decided_at": s.decided_at,
    }


def _check_channel(request: HttpRequest, channel: str) -> None:
    """A token limited to some channels works on their values only (and on those shared by every one)."""
    allowed = allowed_channels(request)
    if allowed is not None and channel != vals.ANY and channel not in allowed:
        raise PermissionDenied(f"this token is limited to the channels {', '.join(sorted(allowed))}")


def _visible(request: HttpRequest):
    queryset = Suggestion.objects.select_related("product", "decided_by")
    queryset = policies.visible_suggestions(request.user, queryset)
    allowed = allowed_channels(request)
    if allowed is not None:
        queryset = queryset.filter(channel__in=[*allowed, vals.ANY])
    return queryset


@router.get("", summary="List suggestions", response=dict)
def list_suggestions(request: HttpRequest, filters: Query[SuggestionFilters]):
    """Newest last, `limit` per page (≤ 200); pass the last `id` as `after` for the next page."""
    require(request, "read", "assist.view_suggestion")
    queryset = _visible(request).order_by("pk")
    if filters.status:
        queryset = queryset.filter(status=filters.status)
    if filters.sku:
        queryset = queryset.filter(product__sku=filters.sku)
    if filters.locale:
        queryset = queryset.filter(locale=filters.locale)
    if filters.after:
        queryset = queryset.filter(pk__gt=filters.after)
    limit = max(1, min(filters.limit, 200))
    page = list(queryset[: limit + 1])
    return {
        "items": [_payload(s) for s in page[:limit]],
        "next_after": page[limit - 1].pk if len(page) > limit else None,
    }


@router.post("", summary="Bring a suggestion (your own model's text)", response={201: dict})
def create_suggestion(request: HttpRequest, body: SuggestionIn):
    """Judged by the guard rails as Noel's own suggestions are; refused (422) with the reasons when a
    blocking rule holds (a number not in the product's data, the wrong language…)."""
    require(request, "write", "assist.add_suggestion")
    _check_channel(request, body.channel)
    product = get_object_or_404(
        product_policies.visible_products(request.user, Product.objects.all()), sku=body.sku
    )
    suggestion = services.suggestion_create(
        actor=request.user, product=product, attribute=body.attribute, locale=body.locale,
        channel=body.channel, kind=body.kind, text=body.text, model=body.model,
        prompt_version=body.prompt_version, inputs=body.inputs, source_locale=body.source_locale,
        only_empty=body.only_empty,
    )  # fmt: skip
    return Status(201, _payload(suggestion))


def _one(request: HttpRequest, suggestion_id: int) -> Suggestion:
    require(request, "write", "assist.change_suggestion")
    suggestion = get_object_or_404(_visible(request), pk=suggestion_id)
    return suggestion


@router.post("/{suggestion_id}/accept", summary="Accept a suggestion (optionally edited)", response=dict)
def accept_suggestion(request: HttpRequest, suggestion_id: int, body: AcceptIn):
    """Writes the text into the product: an approved product gets a pending change for an approver. 422
    when it was decided already or the value changed since (stale)."""
    suggestion = services.suggestion_accept(
        actor=request.user, suggestion=_one(request, suggestion_id), text=body.text
    )
    return _payload(suggestion)


@router.post("/{suggestion_id}/reject", summary="Reject a suggestion", response=dict)
def reject_suggestion(request: HttpRequest, suggestion_id: int, body: RejectIn):
    suggestion = services.suggestion_reject(
        actor=request.user, suggestion=_one(request, suggestion_id), reason=body.reason
    )
    return _payload(suggestion)
