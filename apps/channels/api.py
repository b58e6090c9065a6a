"""Channels, their feeds, runs and held-back items for integrators and channel tools; builds on demand.

A token limited to some channels, or a person managing only some channels, sees only those."""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Query, Router, Schema, Status
from ninja.errors import HttpError

from apps.channels import policies, services
from apps.channels.models import Feed, FeedIssue, FeedRun
from apps.core.api_auth import allowed_channels, require
from apps.core.api_schema import InputSchema
from apps.core.instants import Instant
from apps.core.models import Channel

router = Router(tags=["channels and feeds"])


class RunOut(Schema):
    id: int
    feed: str
    status: str
    at: datetime
    preview: bool
    started_at: datetime
    finished_at: datetime | None
    items: int
    published: int
    held_back: int
    dropped: int
    checksum: str
    error: str


class FeedOut(Schema):
    name: str
    file: str
    format: str
    locale: str
    url: str
    dirty: bool
    serving: RunOut | None


class ChannelOut(Schema):
    code: str
    name: str
    kind: str
    currency: str
    locales: list[str]
    base_url: str
    feeds: list[FeedOut]


class IssueOut(Schema):
    sku: str
    field: str
    rule: str
    message: str


class RunPage(Schema):
    items: list[RunOut]
    next_cursor: int | None


class RunFilters(InputSchema):
    cursor: int | None = None
    limit: int = 50
    feed: str | None = None
    status: FeedRun.Status | None = None


class BuildIn(InputSchema):
    at: Instant | None = None
    preview: bool = False


def _run(run: FeedRun) -> dict:
    return {
        "id": run.pk, "feed": str(run.feed), "status": run.status, "at": run.at, "preview": run.preview,
        "started_at": run.started_at, "finished_at": run.finished_at, "items": run.items,
        "published": run.published, "held_back": run.held_back, "dropped": run.dropped,
        "checksum": run.checksum, "error": run.error,
    }  # fmt: skip


def _channels(request: HttpRequest):
    queryset = Channel.objects.all()
    codes = allowed_channels(request)
    if codes is not None:
        queryset = queryset.filter(code__in=codes)
    scope = policies.channel_scope(request.user)
    if scope is not None:
        queryset = queryset.filter(code__in=scope)
    return queryset


def _channel(request: HttpRequest, code: str) -> Channel:
    return get_object_or_404(_channels(request), code=code)


@router.get("", response=list[ChannelOut], summary="Channels with their feeds")
def list_channels(request: HttpRequest):
    require(request, "read", "channels.view_feed")
    channels = list(_channels(request).prefetch_related("locales"))
    feeds = Feed.objects.filter(channel__in=channels).select_related("channel", "current_run__feed__channel")
    by_channel: dict[int, list[dict]] = {}
    for feed in feeds.order_by("name"):
        by_channel.setdefault(feed.channel_id, []).append(
            {
                "name": feed.name,
                "file": feed.file_name,
                "format": feed.format,
                "locale": feed.locale_id,
                "url": request.build_absolute_uri(f"/feeds/{feed.channel.code}/{feed.file_name}"),
                "dirty": feed.dirty,
                "serving": _run(feed.current_run) if feed.current_run else None,
            }
        )
    return [
        {
            "code": c.code,
            "name": c.name,
            "kind": c.kind,
            "currency": c.currency_id,
            "locales": sorted(locale.code for locale in c.locales.all()),
            "base_url": c.base_url,
            "feeds": by_channel.get(c.pk, []),
        }
        for c in channels
    ]


@router.get("/{code}/runs", response=RunPage, summary="Feed runs of a channel, newest first")
def list_runs(request: HttpRequest, code: str, filters: Query[RunFilters]):
    require(request, "read", "channels.view_feedrun")
    channel = _channel(request, code)
    limit = max(1, min(filters.limit, 200))
    queryset = FeedRun.objects.filter(feed__channel=channel).select_related("feed__channel").order_by("-id")
    if filters.cursor:
        queryset = queryset.filter(pk__lt=filters.cursor)
    if filters.feed:
        queryset = queryset.filter(feed__name=filters.feed)
    if filters.status:
        queryset = queryset.filter(status=filters.status)
    page = list(queryset[: limit + 1])
    more = len(page) > limit
    page = page[:limit]
    return {"items": [_run(run) for run in page], "next_cursor": page[-1].pk if more else None}


@router.get("/{code}/runs/{run_id}/issues", response=list[IssueOut], summary="Items held back from a run")
def list_issues(request: HttpRequest, code: str, run_id: int):
    require(request, "read", "channels.view_feedissue")
    run = get_object_or_404(FeedRun, pk=run_id, feed__channel=_channel(request, code))
    return list(
        FeedIssue.objects.filter(run=run).order_by("sku", "field").values("sku", "field", "rule", "message")
    )


@router.post("/{code}/feeds/{name}/build", response={202: RunOut}, summary="Build a feed now, or preview it")
def build_feed(request: HttpRequest, code: str, name: str, payload: BuildIn):
    """Starts a build (or a preview at `at`); the answer is the run, finished when the build is small."""
    require(request, "write", "channels.build_feed")
    channel = _channel(request, code)
    if not policies.can_build(request.user, channel):
        raise HttpError(403, f"{request.user.get_username()} does not manage {channel.code}")
    feed = get_object_or_404(Feed.objects.select_related("channel"), channel=channel, name=name)
    run = services.feed_build_start(actor=request.user, feed=feed, at=payload.at, preview=payload.preview)
    return Status(202, _run(run))
