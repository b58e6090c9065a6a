from datetime import timedelta

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from apps.core.schedules import Periodic


class CampaignsConfig(AppConfig):
    name = "apps.campaigns"
    label = "campaigns"
    verbose_name = _("Campaigns")
    # the campaigns' clock: start what is due (catching up a start missed while workers were down), end
    # what is over
    periodic_tasks = (Periodic("Start and end campaigns", "campaigns.tick", every=timedelta(minutes=1)),)
    role_permissions = {
        "marketer": {
            "campaigns.view_*",
            "campaigns.add_campaign",
            "campaigns.change_campaign",
            "campaigns.submit_campaign",
            "campaigns.add_promotion",
            "campaigns.change_promotion",
            "campaigns.delete_promotion",
            "campaigns.add_banner",
            "campaigns.change_banner",
            "campaigns.delete_banner",
            "campaigns.add_coupon",
            "campaigns.view_coupon",
        },
        "approver": {"campaigns.view_*", "campaigns.approve_campaign"},
        "merchandiser": {"campaigns.view_campaign", "campaigns.view_promotion"},
        "channel_manager": {"campaigns.view_campaign", "campaigns.view_promotion"},
        "integrator": {"campaigns.view_campaign", "campaigns.view_promotion", "campaigns.view_coupon"},
        "store_staff": {"campaigns.view_campaign", "campaigns.view_coupon"},
        "admin": {"campaigns.*"},
    }

    def ready(self) -> None:
        from apps.assets.selectors import asset_usage_register
        from apps.campaigns.dashboard import campaign_queue_panel, campaigns_panel
        from apps.campaigns.selectors import banner_usage, campaign_adjustments, campaign_references
        from apps.core.dashboard import panels
        from apps.pricing.modifiers import price_modifier_register, reference_source_register

        price_modifier_register(campaign_adjustments)
        reference_source_register(campaign_references)
        asset_usage_register(banner_usage)
        panels[_("My work: campaigns")] = campaign_queue_panel
        panels[_("Campaigns")] = campaigns_panel
