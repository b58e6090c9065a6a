"""The catalog's panel on the admin home: how much is approved, and what is not ready per channel."""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from apps.core.dashboard import Tile
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
