"""Who may see and change which products, for the admin, the API and exports alike.

A merchandiser team granted "edit products in" on categories (django-guardian object permissions,
given on the category in the admin) works only on the products of those subtrees. People without
such grants keep their role's rights over the whole catalog.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from apps.core.models import User
from apps.core.policies import granted_scope
from apps.products.models import Category, Product

TEAM_PERMISSION = "products.edit_products_in"


def category_scope(user: User) -> set[str] | None:
    """Category codes (whole subtrees) the person is limited to, or None when unlimited."""
    return granted_scope(user, TEAM_PERMISSION, Category, _subtree_codes)


def _subtree_codes(granted: QuerySet[Category]) -> set[str]:
    subtree = Q()
    for path in granted.values_list("path", flat=True):
        subtree |= Q(path__startswith=path)
    return set(Category.objects.filter(subtree).values_list("code", flat=True)) if subtree else set()


def visible_products(user: User, queryset: QuerySet[Product]) -> QuerySet[Product]:
    """The products a person may see: all, or those in (or under a model in) their categories."""
    scope = category_scope(user)
    if scope is None:
        return queryset
    codes = sorted(scope)
    return queryset.filter(
        Q(categories__overlap=codes)
        | Q(parent__categories__overlap=codes)
        | Q(parent__parent__categories__overlap=codes)
    )


def can_change(user: User, product: Product) -> bool:
    return (
        user.has_perm("products.change_product")
        and visible_products(user, Product.objects.filter(pk=product.pk)).exists()
    )
