"""Who may see and set which stock, for the admin, the API and imports alike: a person limited to some
categories (see apps.products.policies) sees and counts only the stock of those subtrees' products."""

from __future__ import annotations

from django.db.models import QuerySet

from apps.core.models import User
from apps.products import policies as catalog
from apps.products.models import Product


def visible_levels(user: User | None, queryset: QuerySet, path: str = "product_id") -> QuerySet:
    """Stock rows (levels, or movements with `path="level__product_id"`) of the products the person sees."""
    ids = catalog.visible_product_ids(user)
    return queryset if ids is None else queryset.filter(**{f"{path}__in": ids})


def products_refused(user: User | None, products: dict[str, int]) -> dict[str, str]:
    """SKU → why the person may not set this product's stock, for a batch (SKU → id) in one query."""
    outside = catalog.products_outside(user, [Product(pk=pk, sku=sku) for sku, pk in products.items()])
    return {p.sku: catalog.outside_message(user, p.sku) for p in outside}
