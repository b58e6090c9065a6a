from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssistConfig(AppConfig):
    name = "apps.assist"
    label = "assist"
    verbose_name = _("Content assistance")
    default_auto_field = "django.db.models.BigAutoField"
    # Merchandisers ask for drafts and translations and decide on them; approvers read where a text came
    # from; channel managers set each channel's tone and limits; integrators bring their own models' texts.
    role_permissions = {
        "merchandiser": {
            "assist.view_suggestion",
            "assist.add_suggestion",
            "assist.change_suggestion",
            "assist.view_assistjob",
            "assist.add_assistjob",
            "assist.view_channelstyle",
            "assist.view_glossaryterm",
            "assist.add_glossaryterm",
            "assist.change_glossaryterm",
            "assist.delete_glossaryterm",
        },
        "approver": {"assist.view_suggestion", "assist.view_channelstyle", "assist.view_glossaryterm"},
        "channel_manager": {
            "assist.view_channelstyle",
            "assist.add_channelstyle",
            "assist.change_channelstyle",
            "assist.view_glossaryterm",
        },
        "integrator": {"assist.view_suggestion", "assist.add_suggestion", "assist.change_suggestion"},
        "admin": {"assist.*"},
    }
