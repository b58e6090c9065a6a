"""The shape every app's policy shares: the objects a person was granted a permission on (django-guardian),
turned into the set of codes they are limited to, remembered on the user for the request."""

from __future__ import annotations

from collections.abc import Callable

from django.db.models import Model, QuerySet
from guardian.shortcuts import get_objects_for_user

from apps.core.models import User


def granted_scope(
    user: User,
    permission: str,
    klass: type[Model],
    codes: Callable[[QuerySet], set[str]],
) -> set[str] | None:
    """The codes `codes(granted objects)` gives, or None when the person is not limited (a superuser, or
    nobody granted them `permission` on any object: their role's rights then apply everywhere)."""
    cache = user.__dict__.setdefault("_noel_scopes", {})
    if permission not in cache:
        scope = None
        if not user.is_superuser:
            granted = get_objects_for_user(user, permission, klass=klass, accept_global_perms=False)
            scope = codes(granted) or None
        cache[permission] = scope
    return cache[permission]
