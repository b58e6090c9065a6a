"""Who may link which pictures to which products, for the upload page, the product form, the API,
imports and tasks alike: a merchandiser limited to some categories (see apps.products.policies) links,
unlinks and orders the pictures of those subtrees' products only. The library itself is shared."""

from __future__ import annotations

from collections.abc import Iterable

from apps.core.models import User
from apps.products import policies as catalog
from apps.products.models import Product


def link_refusal(user: User | None, product: Product) -> str | None:
    """Why the person may not change this product's pictures, or None."""
    return catalog.product_refusal(user, product)


def products_refused(user: User | None, products: Iterable[Product]) -> dict[int, str]:
    """Product id → why the person may not link pictures to it, for a whole upload in one query."""
    return {p.pk: catalog.outside_message(user, p.sku) for p in catalog.products_outside(user, products)}
