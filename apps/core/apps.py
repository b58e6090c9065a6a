from datetime import timedelta

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _

from apps.core.schedules import Periodic


def _sync_roles(sender, **kwargs) -> None:
    from django.apps import apps

    # post_migrate is sent once per app; act on the last one, when every app's permissions exist.
    if sender is list(apps.get_app_configs())[-1]:
        from apps.core.reference import reference_data_ensure
        from apps.core.roles import sync_role_permissions
        from apps.core.schedules import periodic_tasks_ensure

        reference_data_ensure()
        sync_role_permissions()
        periodic_tasks_ensure()


class CoreConfig(AppConfig):
    name = "apps.core"
    label = "core"
    verbose_name = _("Administration")
    # an event committed by a process that died before its reactions ran (feeds marked, checks queued)
    periodic_tasks = (
        Periodic(
            "Replay reactions to events left undone", "core.events_react_pending", every=timedelta(minutes=1)
        ),
    )
    role_permissions = {
        "merchandiser": {
            "core.use_api",
            "core.view_locale",
            "core.view_currency",
            "core.view_channel",
            "core.add_importjob",
            "core.view_importjob",
        },
        "marketer": {"core.use_api", "core.view_locale", "core.view_currency", "core.view_channel"},
        "approver": {
            "core.use_api",
            "core.view_locale",
            "core.view_currency",
            "core.view_channel",
            "core.view_auditlog",
        },
        "channel_manager": {
            "core.use_api",
            "core.view_locale",
            "core.view_currency",
            "core.view_channel",
            "core.add_channel",
            "core.change_channel",
        },
        "integrator": {
            "core.use_api",
            "core.view_locale",
            "core.view_currency",
            "core.view_channel",
            "core.view_apitoken",
            "core.add_importjob",
            "core.view_importjob",
        },
    }

    def ready(self) -> None:
        from apps.core import (
            display,
            lookups,  # noqa: F401  registers the `any` lookup
        )

        display.install()

        # Runs after every app's migrations, when their permissions exist.
        post_migrate.connect(_sync_roles, dispatch_uid="noel_sync_role_permissions")
