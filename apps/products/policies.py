"""Who may see and change which products, for the admin, the API, imports, exports and tasks alike.

A merchandiser team granted "edit products in" on categories (django-guardian object permissions,
given on the category in the admin) works only on the products of those subtrees: it sees them, changes
them, prices them and links pictures to them; it gives products only categories of its subtrees and a
product it works on stays in them. People without such grants keep their role's rights over the whole
catalog. The upper apps' policies (pricing, inventory, assets) ask this module which products are whose.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from apps.core.models import User
from apps.core.policies import granted_scope
from apps.products.models import Category, Product

TEAM_PERMISSION = "products.edit_products_in"


def category_scope(user: User | None) -> set[str] | None:
    """Category codes (whole subtrees) the person is limited to, or None when unlimited (or the system)."""
    if user is None or not user.is_authenticated:
        return None
    return granted_scope(user, TEAM_PERMISSION, Category, _subtree_codes)


def _subtree_codes(granted: QuerySet[Category]) -> set[str]:
    subtree = Q()
    for path in granted.values_list("path", flat=True):
        subtree |= Q(path__startswith=path)
    return set(Category.objects.filter(subtree).values_list("code", flat=True)) if subtree else set()


def team_label(user: User) -> str:
    """The categories a limited person was granted (the tops of their subtrees), for messages."""
    if "_noel_team_label" in user.__dict__:
        return user.__dict__["_noel_team_label"]
    scope = category_scope(user) or set()
    paths = dict(Category.objects.filter(code__in=scope).values_list("code", "path"))
    tops = [c for c, p in paths.items() if not any(p != o and p.startswith(o) for o in paths.values())]
    user.__dict__["_noel_team_label"] = ", ".join(sorted(tops))
    return user.__dict__["_noel_team_label"]


def visible_products(user: User | None, queryset: QuerySet[Product]) -> QuerySet[Product]:
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


def visible_product_ids(user: User | None) -> QuerySet[Product] | None:
    """A subquery of the ids of the products the person may see, or None when they see them all: what
    the upper apps filter their rows (prices, stock, picture links) on, in the same query."""
    if category_scope(user) is None:
        return None
    return visible_products(user, Product.objects.all()).values("pk")


def can_change(user: User, product: Product) -> bool:
    return (
        user.has_perm("products.change_product")
        and visible_products(user, Product.objects.filter(pk=product.pk)).exists()
    )


def outside_message(user: User, sku: str) -> str:
    return _("{sku} is not in your categories ({team}): you may not change it").format(
        sku=sku, team=team_label(user)
    )


def products_outside(user: User | None, products: Iterable[Product]) -> list[Product]:
    """Those of `products` the person may not work on (one query whatever their number; none when they
    are unlimited)."""
    products = list(products)
    if category_scope(user) is None or not products:
        return []
    allowed = set(
        visible_products(user, Product.objects.filter(pk__in=[p.pk for p in products])).values_list(
            "pk", flat=True
        )
    )
    return [p for p in products if p.pk not in allowed]


def product_refusal(user: User | None, product: Product) -> str | None:
    """Why the person may not work on this product (change it, price it, link pictures to it), or None."""
    return outside_message(user, product.sku) if products_outside(user, [product]) else None


def categories_refusal(
    user: User | None,
    *,
    sku: str,
    before: Iterable[str] | None,
    after: Iterable[str],
    parent: Product | None = None,
) -> str | None:
    """Why the person may not give product `sku` the categories `after` (it held `before`; None for a
    new product), under `parent` (a variant's model), or None when they may.

    A limited person adds and removes only categories of their subtrees (another team's categories on a
    product stay as they are), and the product stays theirs: in one of their categories, or under a
    model that is."""
    scope = category_scope(user)
    if scope is None:
        return None
    old, new = set(before or ()), set(after)
    outside = sorted((old ^ new) - scope)
    if outside:
        return _("{sku}: {categories} is not one of your categories ({team})").format(
            sku=sku, categories=", ".join(outside), team=team_label(user)
        )
    parent_outside = parent is not None and not _theirs(user, parent, scope)
    if before is not None and not old & scope and (parent is None or parent_outside):
        return outside_message(user, sku)  # not theirs to begin with
    if before is None and parent_outside:
        return _("{sku}: its model {parent} is not in your categories ({team})").format(
            sku=sku, parent=parent.sku, team=team_label(user)
        )
    if new & scope or (parent is not None and not parent_outside):
        return None
    if before is None:
        return _("{sku}: a product you create needs one of your categories ({team})").format(
            sku=sku, team=team_label(user)
        )
    return _("{sku}: the product would leave your categories ({team})").format(sku=sku, team=team_label(user))


def _theirs(user: User, product: Product, scope: set[str]) -> bool:
    """Whether the person works on `product`; one not yet saved (a model earlier in the same batch) is
    judged by its own categories and its model's."""
    if product.pk is not None:
        return not products_outside(user, [product])
    return bool(set(product.categories) & scope) or (
        product.parent is not None and _theirs(user, product.parent, scope)
    )


def category_refusal(user: User | None, *, code: str, parent: Category | None, exists: bool) -> str | None:
    """Why the person may not create (or, when it `exists`, move) category `code` under `parent` (None:
    at the top), or None. A limited person works inside their subtrees only: moving another team's
    category, or one of theirs out of their subtrees, would hand products from one team to another."""
    scope = category_scope(user)
    if scope is None:
        return None
    if exists and code not in scope:
        return _("{code} is not one of your categories ({team})").format(code=code, team=team_label(user))
    if parent is None or parent.code not in scope:
        return _("{code}: it must go under one of your categories ({team})").format(
            code=code, team=team_label(user)
        )
    return None


def category_choices(user: User | None, keep: Iterable[str] = ()) -> QuerySet[Category]:
    """The categories a form offers the person: their subtrees (and `keep`, the ones a product holds)."""
    scope = category_scope(user)
    categories = Category.objects.order_by("path")
    return categories if scope is None else categories.filter(code__in=scope | set(keep))
