from datetime import timedelta

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from apps.core.schedules import Periodic


class PricingConfig(AppConfig):
    name = "apps.pricing"
    label = "pricing"
    verbose_name = _("Prices")
    # a safety net: price changes queue the recompute at once, this catches what a dead worker left
    periodic_tasks = (
        Periodic(
            "Recompute dirty effective prices",
            "pricing.effective_prices_recompute",
            every=timedelta(minutes=5),
        ),
    )
    role_permissions = {
        "merchandiser": {
            "pricing.view_price",
            "pricing.add_price",
            "pricing.change_price",
            "pricing.view_effectiveprice",
        },
        "marketer": {"pricing.view_price", "pricing.view_effectiveprice"},
        "approver": {"pricing.view_price", "pricing.view_effectiveprice"},
        "channel_manager": {"pricing.view_price", "pricing.view_effectiveprice"},
        "integrator": {
            "pricing.view_price",
            "pricing.add_price",
            "pricing.change_price",
            "pricing.view_effectiveprice",
        },
        "store_staff": {"pricing.view_price", "pricing.view_effectiveprice"},
    }

    def ready(self) -> None:
        from apps.pricing.api import product_prices
        from apps.products.api import product_extras

        product_extras["prices"] = product_prices
