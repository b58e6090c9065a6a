"""Which permissions each role group holds.

Every app declares, on its AppConfig, a `role_permissions` mapping of role to permission patterns
(`app_label.codename`, `app_label.view_*`, `app_label.*`). After each migrate the groups are brought in
line with those declarations, so an app added later gives its rights to the roles without touching core.
"""

from __future__ import annotations

import fnmatch

from django.apps import apps as django_apps
from django.contrib.auth.models import Group, Permission

from apps.core.models import Role

# Roles whose people never open the admin: integrators use the API, store staff their own page.
NON_ADMIN_ROLES = frozenset({Role.INTEGRATOR, Role.STORE_STAFF})

# Apps whose permissions no role but administrators ever holds, whatever an app declares: scheduled jobs
# start any task with any arguments, task results show what tasks returned, object permissions and
# roles widen anyone's rights (`auth.change_group` is what makes an administrator, apps.core.policies).
ADMINISTRATORS_ONLY_APPS = frozenset({"django_celery_beat", "django_celery_results", "guardian", "auth"})


def declared_patterns() -> dict[str, set[str]]:
    """Role name → permission patterns, gathered from every installed app's config."""
    patterns: dict[str, set[str]] = {role.value: set() for role in Role}
    for config in django_apps.get_app_configs():
        for role, perms in getattr(config, "role_permissions", {}).items():
            patterns[Role(role).value].update(perms)
    patterns[Role.ADMIN.value].add("*")
    return patterns


def sync_role_permissions() -> dict[str, int]:
    """Create the role groups if needed and set their permissions to exactly what apps declare."""
    all_perms = list(Permission.objects.select_related("content_type"))
    labelled = [(f"{p.content_type.app_label}.{p.codename}", p) for p in all_perms]
    counts = {}
    for role, patterns in declared_patterns().items():
        group, _created = Group.objects.get_or_create(name=role)
        chosen = [
            perm
            for label, perm in labelled
            if any(fnmatch.fnmatchcase(label, pat) for pat in patterns)
            and (role == Role.ADMIN.value or perm.content_type.app_label not in ADMINISTRATORS_ONLY_APPS)
        ]
        group.permissions.set(chosen)
        counts[role] = len(chosen)
    return counts
