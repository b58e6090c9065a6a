from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from apps.core.schedules import Periodic


class ProductsConfig(AppConfig):
    name = "apps.products"
    label = "products"
    verbose_name = _("Catalog")
    # the daily completeness figure per channel of the dashboard's chart
    periodic_tasks = (
        Periodic("Snapshot completeness per channel", "products.completeness_snapshot", cron="30 23 * * *"),
    )
    role_permissions = {
        "merchandiser": {
            "products.view_*",
            "products.add_product",
            "products.change_product",
            "products.add_category",
            "products.change_category",
            "products.change_pendingchange",
        },
        "marketer": {"products.view_*"},
        "approver": {"products.view_*", "products.approve_product"},
        "channel_manager": {
            "products.view_*",
            "products.add_familyrequirement",
            "products.change_familyrequirement",
            "products.delete_familyrequirement",
        },
        "integrator": {"products.view_*", "products.add_product", "products.change_product"},
        "store_staff": {"products.view_product", "products.view_category"},
    }

    def ready(self) -> None:
        from django.db.models.signals import post_delete

        from apps.core.events import ChannelChanged, subscribe
        from apps.core.models import Channel, Locale
        from apps.products.services import on_channel_changed, on_channel_or_locale_deleted

        subscribe(ChannelChanged, on_channel_changed)
        # whatever deletes them (admin, shell): their completeness goes with them, as rows went by cascade
        for model in (Channel, Locale):
            uid = f"completeness-{model.__name__}"
            post_delete.connect(on_channel_or_locale_deleted, sender=model, dispatch_uid=uid)

        from apps.core.dashboard import panels
        from apps.products.dashboard import catalog_panel, completeness_chart_panel, product_queue_panel

        panels[_("My work: products")] = product_queue_panel
        panels[_("Catalog")] = catalog_panel
        panels[_("Completeness over time")] = completeness_chart_panel
