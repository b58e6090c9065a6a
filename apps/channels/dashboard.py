"""The feeds' panel on the admin home: per feed, what the channel is getting and what is held back."""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from apps.channels import policies
from apps.channels.models import Feed, FeedRun
from apps.core.dashboard import Tile


def feeds_panel(request: HttpRequest) -> list[Tile]:
    if not request.user.has_perm("channels.view_feed"):
        return []
    feeds = policies.visible_feeds(request.user, Feed.objects.filter(is_active=True)).select_related(
        "channel", "current_run"
    )
    latest = dict(
        FeedRun.objects.filter(feed__in=feeds, preview=False)
        .order_by("feed_id", "-id")
        .distinct("feed_id")
        .values_list("feed_id", "status")
    )
    tiles = []
    issues = reverse("admin:channels_feedissue_changelist")
    for feed in feeds:
        run = feed.current_run
        if run is None:
            tiles.append(Tile(_("%(feed)s: not built yet") % {"feed": feed}, "—", alert=True))
            continue
        label = _("%(feed)s: published / held back") % {"feed": feed}
        if latest.get(feed.pk) == FeedRun.Status.FAILED:
            label = _("%(feed)s: last build failed, serving the previous file") % {"feed": feed}
        value = f"{run.published} / {run.held_back}"
        alert = bool(run.held_back) or latest.get(feed.pk) == FeedRun.Status.FAILED
        tiles.append(Tile(label, value, f"{issues}?run__id__exact={run.pk}", alert=alert))
    return tiles
