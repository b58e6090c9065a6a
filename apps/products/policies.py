"""Who may see and change which products, for the admin, the API and exports alike.

A merchandiser team granted "edit products in" on categories (django-guardian object permissions,
given on the category in the admin) works only on the products of those subtrees. People without
such grants keep their role's rights over the whole catalog.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from guardian.shortcuts import get_objects_for_user

from apps.core.models import User
from apps.products.models import Category, Product

TEAM_PERMISSION = "products.edit_products_in"


def category_scope(user: User) -> set[str] | None:
    """Category codes (whole subtrees) the person is limited to, or None when unlimited."""
    cached = getattr(user, "_noel_category_scope", False)
    if cached is not False:
        return cached
    scope = None
    if not user.is_superuser:
        granted = get_objects_for_user(user, TEAM_PERMISSION, klass=Category, accept_global_perms=False)
        paths = list(granted.values_list("path", flat=True))
        if paths:
            subtree = Q()
            for path in paths:
                subtree |= Q(path__startswith=path)
            scope = set(Category.objects.filter(subtree).values_list("code", flat=True))
    user._noel_category_scope = scope
    return scope


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
