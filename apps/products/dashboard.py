"""The catalog's panel on the admin home: how much is approved, and what is not ready per channel."""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from apps.core.dashboard import Block, Chart, Series, Table, Tile, shown_to
from apps.core.models import Role
from apps.products import selectors
from apps.products.models import Product


def catalog_panel(request: HttpRequest) -> list[Tile]:
    if not request.user.has_perm("products.view_product"):
        return []
    by_status, not_ready = selectors.catalog_readiness()
    url = reverse("admin:products_product_changelist")
    tiles = [
        Tile(str(label), by_status.get(status, 0), f"{url}?status__exact={status}")
        for status, label in Product.Status.choices
    ]
    tiles += [
        Tile(
            _("not complete for %(channel)s") % {"channel": channel},
            count,
            f"{url}?incomplete={channel}:",
            alert=True,
        )
        for channel, count in sorted(not_ready.items())
    ]
    return tiles


def product_queue_panel(request: HttpRequest) -> list[Tile]:
    """My drafts and what waits for my approval (four-eyes: never what I submitted or edited)."""
    user, url = request.user, reverse("admin:products_product_changelist")
    tiles = []
    if user.has_perm("products.change_product") and shown_to(request, Role.MERCHANDISER):
        tiles.append(
            Tile(_("my product drafts"), selectors.products_drafts_of(user).count(), f"{url}?queue=drafts")
        )
    if user.has_perm("products.approve_product") and shown_to(request, Role.APPROVER):
        waiting = selectors.products_awaiting_approval_by(user).count()
        tiles.append(
            Tile(_("products waiting for my approval"), waiting, f"{url}?queue=to_approve", alert=True)
        )
    return tiles


def completeness_chart_panel(request: HttpRequest) -> list[Block]:
    """Per channel, the share of products complete in every locale over the last 30 nightly snapshots."""
    if not request.user.has_perm("products.view_product") or not shown_to(
        request, Role.MERCHANDISER, Role.CHANNEL_MANAGER
    ):
        return []
    history = selectors.completeness_history(days=30)
    series = [
        Series(channel, [(f"{day:%d/%m}", percent) for day, percent in points])
        for channel, points in sorted(history.items())
    ]
    title = _("Products complete per channel, %")
    if not series:
        return [
            Table([title], [], name="completeness-history", empty=_("No snapshot yet: taken every night."))
        ]
    return [Chart(title, series, unit=" %", y_max=100, name="completeness-history")]
