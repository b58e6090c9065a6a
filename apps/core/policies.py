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


def is_administrator(user: User) -> bool:
    """Administrators: superusers and members of the administrator role. Only they reach scheduled jobs,
    task results and object-permission grants."""
    from apps.core.models import Role

    if not (user.is_active and user.is_authenticated):
        return False
    if user.is_superuser:
        return True
    cache = user.__dict__.setdefault("_noel_scopes", {})
    if "is_administrator" not in cache:
        cache["is_administrator"] = user.groups.filter(name=Role.ADMIN.value).exists()
    return cache["is_administrator"]


MANAGE_CHANNEL = "core.manage_channel"


def channel_scope(user: User) -> set[str] | None:
    """Channel codes the person is limited to (granted "manage channel" on them), or None when unlimited."""
    from apps.core.models import Channel

    return granted_scope(
        user, MANAGE_CHANNEL, Channel, lambda granted: set(granted.values_list("code", flat=True))
    )


def may_use_api(user: User) -> bool:
    """Whether a person's token opens the API: store staff use their own page, not the API (docs/stores.md),
    so a token of someone holding no other role than store staff is refused (401) like a missing one."""
    from apps.core.models import Role

    if not user.is_active:
        return False
    if user.is_superuser:
        return True
    groups = set(user.groups.values_list("name", flat=True))
    return groups != {Role.STORE_STAFF.value}
