from datetime import timedelta

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from apps.core.schedules import Periodic


class EventsConfig(AppConfig):
    name = "apps.events"
    label = "events"
    verbose_name = _("Webhooks and change feed")
    default_auto_field = "django.db.models.BigAutoField"
    # the dispatcher also runs after every commit that published an event; these catch what a dead
    # process left, and the retries that came due
    periodic_tasks = (
        Periodic("Dispatch committed events", "events.dispatch", every=timedelta(minutes=1)),
        Periodic("Send due webhook deliveries", "events.deliver", every=timedelta(minutes=1)),
        Periodic("Prune old events and deliveries", "events.prune", cron="15 3 * * *"),
    )
    role_permissions = {
        "integrator": {
            "events.view_changeevent",
            "events.view_webhookendpoint",
            "events.add_webhookendpoint",
            "events.change_webhookendpoint",
            "events.delete_webhookendpoint",
            "events.send_webhook",
            "events.view_delivery",
        },
    }

    def ready(self) -> None:
        from apps.core import events
        from apps.core.dashboard import panels
        from apps.events.dashboard import webhooks_panel
        from apps.events.tasks import kick

        events.on_recorded(kick)
        panels[_("Webhooks")] = webhooks_panel
