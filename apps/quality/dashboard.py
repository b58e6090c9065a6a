"""The quality panel on the admin home: open blocking findings per channel, and findings by rule."""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from apps.core.dashboard import Tile
from apps.quality import selectors
from apps.quality.models import Severity


def quality_panel(request: HttpRequest) -> list[Tile]:
    if not request.user.has_perm("quality.view_finding"):
        return []
    url = reverse("admin:quality_finding_changelist")
    tiles = []
    for channel, count in sorted(selectors.open_blocking_per_channel().items()):
        label = (
            _("blocking, every channel")
            if channel == "*"
            else _("blocking on %(channel)s") % {"channel": channel}
        )
        query = "channel__isnull=True" if channel == "*" else f"channel__code__exact={channel}"
        tiles.append(Tile(label, count, f"{url}?severity__exact={Severity.BLOCKING}&{query}", alert=True))
    tiles += [
        Tile(rule, count, f"{url}?rule__exact={rule}") for rule, count in selectors.open_by_rule().items()
    ]
    return tiles
