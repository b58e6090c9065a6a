from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from apps.core.schedules import Periodic


class QualityConfig(AppConfig):
    name = "apps.quality"
    label = "quality"
    verbose_name = _("Data quality")
    # the nightly check of the whole catalog
    periodic_tasks = (
        Periodic("Check data quality of the whole catalog", "quality.check_catalog", cron="30 2 * * *"),
    )
    default_auto_field = "django.db.models.BigAutoField"
    role_permissions = {
        "merchandiser": {"quality.view_finding", "quality.view_productscore", "quality.check_quality"},
        "marketer": {"quality.view_finding", "quality.view_productscore"},
        "approver": {"quality.view_finding", "quality.view_productscore", "quality.check_quality"},
        "channel_manager": {"quality.view_finding", "quality.view_productscore", "quality.check_quality"},
        "integrator": {"quality.view_finding", "quality.view_productscore"},
        "admin": {"quality.*"},
    }

    def ready(self) -> None:
        from apps.core.dashboard import panels
        from apps.quality import rules, services  # noqa: F401  (rules register themselves on import)
        from apps.quality.dashboard import quality_panel

        services.subscribe()
        from apps.assets.services import missing_pictures

        missing_pictures.append(services.import_pictures_missing_record)
        panels[_("Data quality")] = quality_panel
