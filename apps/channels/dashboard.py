"""The channels' panel on the admin home: per feed, what the channel is getting, how fresh it is, what
is held back and what disagrees between channels."""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.channels import policies, selectors
from apps.channels.models import Feed, FeedRun
from apps.core.dashboard import Block, Cell, Chart, Series, Table, duration, shown_to
from apps.core.models import Role


def channels_panel(request: HttpRequest) -> list[Block]:
    if not request.user.has_perm("channels.view_feed") or not shown_to(
        request, Role.CHANNEL_MANAGER, Role.MERCHANDISER
    ):
        return []
    feeds = policies.visible_feeds(request.user, Feed.objects.filter(is_active=True))
    health = selectors.feeds_health(feeds, now=timezone.now())
    issues = reverse("admin:channels_feedissue_changelist")
    products = reverse("admin:products_product_changelist")
    prices = reverse("admin:pricing_effectiveprice_changelist")
    rows = []
    for row in health:
        feed, run, current = row.feed, row.last_run, row.feed.current_run
        failed = run is not None and run.status == FeedRun.Status.FAILED
        completeness = row.completeness
        rows.append(
            [
                Cell(str(feed), reverse("admin:channels_feed_change", args=[feed.pk])),
                Cell(current.published if current else "—"),
                Cell(
                    current.held_back if current else "—",
                    f"{issues}?run__id__exact={current.pk}" if current else "",
                    alert=bool(current and current.held_back),
                ),
                Cell(
                    f"{completeness.percent:g} %" if completeness else "—",
                    f"{products}?incomplete={feed.channel.code}:",
                    alert=bool(completeness and completeness.complete < completeness.products),
                ),
                Cell(
                    f"{run.get_status_display()} {timezone.localtime(run.started_at):%d/%m %H:%M}"
                    + (f" ⚠ {run.warning_text()}" if run.warning else "")
                    if run
                    else _("never built"),
                    reverse("admin:channels_feedrun_change", args=[run.pk]) if run else "",
                    alert=failed or run is None or bool(run.warning),
                ),
                Cell(
                    row.last_run_issues,
                    f"{issues}?run__id__exact={run.pk}" if run else "",
                    alert=bool(row.last_run_issues),
                ),
                Cell(duration(row.since_success) if row.since_success else "—", alert=row.stale),
                Cell(
                    row.price_mismatches,
                    f"{prices}?channel__id__exact={feed.channel_id}",
                    alert=bool(row.price_mismatches),
                ),
                Cell(row.stock_mismatches, alert=bool(row.stock_mismatches)),
            ]
        )
    columns = [
        _("Feed"), _("Live"), _("Held back"), _("Complete"), _("Last run"), _("Its issues"),
        _("Since last good build"), _("Price mismatches"), _("Stock mismatches"),
    ]  # fmt: skip
    blocks: list[Block] = [Table(columns, rows, name="channels", empty=_("No active feed."))]
    issue_counts = [(str(row.feed), row.last_run_issues) for row in health]
    if issue_counts:
        blocks.append(
            Chart(_("Feed issues in the last run, per feed"), [Series(_("issues"), issue_counts)],
                  style="bar", name="feed-issues")
        )  # fmt: skip
    return blocks
