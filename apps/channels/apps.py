from datetime import timedelta

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from apps.core.schedules import Periodic


class ChannelsConfig(AppConfig):
    name = "apps.channels"
    label = "channels"
    verbose_name = _("Channels and feeds")
    # a sold-out item or a new price reaches the channels within a minute or two; feeds may also have
    # their own cron (Feed.schedule)
    periodic_tasks = (
        Periodic("Build feeds with changes", "channels.feeds_build_dirty", every=timedelta(minutes=1)),
        # a build whose worker was killed or crashed (silent for NOEL_FEED_WORKER_LOST_AFTER) is failed
        # with that reason and its feed built again, so a sell-out does not wait for the broker's hour
        Periodic(
            "Fail and rebuild feed builds whose worker stopped",
            "channels.feed_runs_reap",
            every=timedelta(minutes=1),
        ),
    )
    default_auto_field = "django.db.models.BigAutoField"
    role_permissions = {
        "channel_manager": {
            "channels.view_feed",
            "channels.add_feed",
            "channels.change_feed",
            "channels.build_feed",
            "channels.view_feedrun",
            "channels.view_feedissue",
            "channels.view_pulltoken",
            "channels.add_pulltoken",
        },
        "merchandiser": {"channels.view_feed", "channels.view_feedrun", "channels.view_feedissue"},
        "marketer": {
            "channels.view_feed",
            "channels.view_feedrun",
            "channels.view_feedissue",
            "channels.build_feed",
        },
        "approver": {"channels.view_feed", "channels.view_feedrun", "channels.view_feedissue"},
        "integrator": {"channels.view_feed", "channels.view_feedrun", "channels.view_feedissue"},
    }

    def ready(self) -> None:
        from apps.channels import selectors, services
        from apps.channels.dashboard import channels_panel
        from apps.core.dashboard import panels
        from apps.products import services as product_services

        services.subscribe()
        product_services.channel_requirements.append(selectors.channel_required_attributes)
        panels[_("Channels and feeds")] = channels_panel
