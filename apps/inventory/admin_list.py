"""The product list's stock: a column of what each channel can sell of each product (equal figures said
once), and a filter in stock / low / out of stock."""

from __future__ import annotations

from django.contrib import admin
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from apps.core.models import Channel
from apps.core.policies import channel_scope
from apps.inventory import selectors
from apps.products.admin import product_filters
from apps.products.admin_list import ListColumn, channels_note, grouped, product_columns


def _load(products, user) -> dict[int, list[tuple[str, int]]]:
    sellable = [p.pk for p in products if not p.is_model]
    scope = channel_scope(user)
    codes = (
        sorted(scope)
        if scope is not None
        else list(Channel.objects.order_by("code").values_list("code", flat=True))
    )
    available = selectors.available_to_sell(sellable, codes)
    found: dict[int, list[tuple[str, int]]] = {}
    for (product_id, channel), quantity in sorted(available.items()):
        found.setdefault(product_id, []).append((channel, quantity))
    return found


def _render(rows: list[tuple[str, int]]) -> str:
    low = selectors.low_stock()

    def level(quantity: int) -> str:
        return "ko" if quantity <= 0 else "mid" if quantity <= low else "ok"

    return format_html(
        '<span class="noel-cell-lines">{}</span>',
        format_html_join(
            "",
            '<span title="{}"><span class="noel-figure {}">{}</span> '
            '<small class="noel-muted">{}</small></span>',
            (
                (", ".join(channels), level(quantity), quantity, channels_note(channels))
                for quantity, channels in grouped(rows)
            ),
        ),
    )


product_columns.append(ListColumn(code="stock", label=_("stock"), load=_load, render=_render))


class StockFilter(admin.SimpleListFilter):
    title = _("stock")
    parameter_name = "stock"

    def lookups(self, request, model_admin):
        return [
            ("in", _("In stock")),
            ("low", _("Low (%(count)d or fewer)") % {"count": selectors.low_stock()}),
            ("out", _("Out of stock")),
        ]

    def queryset(self, request, queryset):
        return selectors.products_by_stock(queryset, self.value() or "")


product_filters.append(StockFilter)
