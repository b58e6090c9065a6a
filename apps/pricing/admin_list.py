"""The product list's prices: a column of each product's base price per channel (equal prices said once),
and a filter by price range."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from unfold.contrib.filters.admin import RangeNumericListFilter

from apps.core.money import format_money
from apps.core.policies import channel_scope
from apps.pricing import selectors
from apps.products.admin import product_filters
from apps.products.admin_list import ListColumn, channels_note, grouped, product_columns


def _render(rows: list[tuple[str, Decimal, str]]) -> str:
    groups = grouped([(channel, format_money(amount, currency)) for channel, amount, currency in rows])
    return format_html(
        '<span class="noel-cell-lines">{}</span>',
        format_html_join(
            "",
            '<span title="{}">{} <small class="noel-muted">{}</small></span>',
            ((", ".join(channels), money, channels_note(channels)) for money, channels in groups),
        ),
    )


product_columns.append(
    ListColumn(
        code="prices",
        label=_("prices"),
        load=lambda products, user: selectors.list_prices([p.pk for p in products], channel_scope(user)),
        render=_render,
    )
)


def _decimal(raw: str | None) -> Decimal | None:
    try:
        value = Decimal((raw or "").strip().replace(",", "."))
    except InvalidOperation:
        return None
    # beyond what a price holds (12 digits, 4 after the point) a bound means nothing: ignored
    return value if value.is_finite() and abs(value) < 10**8 else None


class PriceRangeFilter(RangeNumericListFilter):
    """Products with a base price in the range on some channel; a bound that is not a number is ignored."""

    title = _("price")
    parameter_name = "price"

    def queryset(self, request, queryset):
        low = _decimal(self.used_parameters.get("price_from"))
        high = _decimal(self.used_parameters.get("price_to"))
        if low is None and high is None:
            return queryset
        return selectors.products_priced_between(queryset, low, high)


product_filters.append(PriceRangeFilter)
