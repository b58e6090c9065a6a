"""The picture column of the product list: each product's main picture, as a small thumbnail."""

from __future__ import annotations

from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from apps.assets import selectors
from apps.products.admin_list import ListColumn, product_columns


def _render(found: tuple[str, str]) -> str:
    url, alt = found
    return format_html(
        '<img src="{}" alt="{}" loading="lazy" width="40" height="40" class="noel-thumb rounded-default">',
        url,
        alt,
    )


product_columns.append(
    ListColumn(
        code="picture",
        label=_("picture"),
        load=lambda products, user: selectors.main_thumbnails(products),
        render=_render,
    )
)
