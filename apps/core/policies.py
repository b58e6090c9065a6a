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
    """Administrators: superusers and whoever may change the roles (`auth.change_group`, held by the
    administrator role only: anyone who can change roles can give themselves every right anyway). Only
    they reach scheduled jobs, task results and object-permission grants. Asked through the permission
    cache, so it costs no query on a page that already checked a permission."""
    if not (user.is_active and user.is_authenticated):
        return False
    return user.is_superuser or user.has_perm(ADMINISTRATOR_PERMISSION)


ADMINISTRATOR_PERMISSION = "auth.change_group"


MANAGE_CHANNEL = "core.manage_channel"


def channel_scope(user: User) -> set[str] | None:
    """Channel codes the person is limited to (granted "manage channel" on them), or None when unlimited."""
    from apps.core.models import Channel

    return granted_scope(
        user, MANAGE_CHANNEL, Channel, lambda granted: set(granted.values_list("code", flat=True))
    )


def may_use_api(user: User) -> bool:
    """Whether the person may call the API at all: superusers and holders of `core.use_api`, which every
    role but store staff holds (store staff use their store page only, README). Asked through the
    permission cache, which the endpoint's own permission check uses next."""
    return user.is_active and (user.is_superuser or user.has_perm("core.use_api"))
