from datetime import timedelta

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from apps.core.schedules import Periodic

_MANAGE = {
    "assets.view_*",
    "assets.add_asset",
    "assets.change_asset",
    "assets.delete_asset",
    "assets.add_productasset",
    "assets.change_productasset",
    "assets.delete_productasset",
}


class AssetsConfig(AppConfig):
    name = "apps.assets"
    label = "assets"
    verbose_name = _("Digital assets")
    # feeds stop using an expired asset at the instant itself; this marks it and lists where it was used
    periodic_tasks = (
        Periodic("Flag assets whose rights expired", "assets.flag_expired", every=timedelta(hours=1)),
    )
    role_permissions = {
        "merchandiser": _MANAGE,
        "marketer": {"assets.view_*"},
        "approver": {"assets.view_*"},
        "channel_manager": {
            "assets.view_*",
            "assets.add_renditionspec",
            "assets.change_renditionspec",
            "assets.delete_renditionspec",
        },
        "integrator": {"assets.view_*", "assets.add_asset", "assets.add_productasset"},
        "store_staff": {"assets.view_asset", "assets.view_productasset"},
    }

    def ready(self) -> None:
        from apps.assets.api import product_assets
        from apps.products.api import product_extras

        product_extras["assets"] = product_assets
        from apps.assets import selectors, services
        from apps.assets.events import AssetsChanged, AssetsExpired
        from apps.core import events
        from apps.products import services as product_services

        if selectors.pictured not in product_services.product_pictures:
            product_services.product_pictures.append(selectors.pictured)
        events.subscribe(AssetsChanged, services.on_pictures_changed)
        events.subscribe(AssetsExpired, services.on_pictures_changed)
