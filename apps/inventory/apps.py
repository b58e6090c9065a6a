from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InventoryConfig(AppConfig):
    name = "apps.inventory"
    label = "inventory"
    verbose_name = _("Stock")
    role_permissions = {
        "merchandiser": {"inventory.view_*"},
        "marketer": {"inventory.view_*"},
        "approver": {"inventory.view_*"},
        "channel_manager": {
            "inventory.view_*",
            "inventory.add_channelstockpolicy",
            "inventory.change_channelstockpolicy",
        },
        "integrator": {"inventory.view_*", "inventory.change_stocklevel", "inventory.add_stocklevel"},
        "store_staff": {"inventory.view_stocklevel", "inventory.view_stocklocation"},
        "admin": {"inventory.*"},
    }

    def ready(self) -> None:
        from apps.inventory.api import product_availability
        from apps.products.api import product_extras

        product_extras["availability"] = product_availability
