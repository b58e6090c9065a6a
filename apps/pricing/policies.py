"""Who may see and set which prices, for the price list, its bulk edit and form, the API, imports and
tasks alike: a merchandiser limited to some categories (see apps.products.policies) prices only the
products of those subtrees, and sees only their rows."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import QuerySet

from apps.core.models import User
from apps.products import policies as catalog
from apps.products.models import Product


def visible_prices(user: User | None, queryset: QuerySet) -> QuerySet:
    """Rows of prices (or effective prices) of the products the person may see, in the same query."""
    ids = catalog.visible_product_ids(user)
    return queryset if ids is None else queryset.filter(product_id__in=ids)


def price_refusal(user: User | None, product: Product) -> str | None:
    """Why the person may not set this product's prices, or None."""
    return catalog.product_refusal(user, product)


def products_refused(user: User | None, products: Iterable[Product]) -> dict[int, str]:
    """Product id → why the person may not price it, for a whole batch in one query."""
    return {p.pk: catalog.outside_message(user, p.sku) for p in catalog.products_outside(user, products)}
