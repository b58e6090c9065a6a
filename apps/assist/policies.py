"""Who may ask for suggestions and decide on them. Asking needs the assistance right and the product in
the person's categories; accepting writes the product, so it needs the catalog's right to change it too
(approvers, marketers and store staff read at most). The catalog's policy says whose product is whose."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from apps.assist.models import AssistJob, Suggestion
from apps.core.models import User
from apps.core.policies import channel_scope, is_administrator
from apps.products import policies as product_policies
from apps.products.models import Product


def suggest_refusal(user: User | None, product: Product) -> str | None:
    """Why the person may not ask for a suggestion on this product, or None (None: the system)."""
    if user is None:
        return None
    if not user.has_perm("assist.add_suggestion"):
        return _("%(user)s may not ask for suggestions") % {"user": user.get_username()}
    return product_policies.product_refusal(user, product)


def decide_refusal(user: User | None, suggestion: Suggestion) -> str | None:
    """Why the person may not accept or reject this suggestion, or None."""
    if user is None:
        return None
    if not (user.has_perm("assist.change_suggestion") and user.has_perm("products.change_product")):
        return _("%(user)s may not accept or reject suggestions") % {"user": user.get_username()}
    return product_policies.product_refusal(user, suggestion.product)


def visible_suggestions(user: User | None, queryset: QuerySet[Suggestion]) -> QuerySet[Suggestion]:
    """The suggestions of the products the person may see."""
    ids = product_policies.visible_product_ids(user)
    return queryset if ids is None else queryset.filter(product_id__in=ids)


def visible_jobs(user: User, queryset: QuerySet[AssistJob]) -> QuerySet[AssistJob]:
    """A job is its asker's (and administrators'): its products are theirs."""
    return queryset if is_administrator(user) else queryset.filter(created_by=user)


def styled_channels(user: User) -> set[str] | None:
    """The channels whose style the person may see and set (a channel manager limited to some channels:
    theirs), or None for all."""
    return channel_scope(user)
