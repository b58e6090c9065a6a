"""Who sees which quality findings and scores: those of the products the person may see (a category team
sees its own products' only), in the admin and the API alike."""

from __future__ import annotations

from django.db.models import QuerySet

from apps.core.models import User
from apps.products import policies as catalog


def visible_quality(user: User | None, queryset: QuerySet) -> QuerySet:
    """Findings or scores (anything with a `product`) of the products the person may see."""
    ids = catalog.visible_product_ids(user)
    return queryset if ids is None else queryset.filter(product_id__in=ids)
