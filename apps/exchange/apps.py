from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExchangeConfig(AppConfig):
    """Files of other systems, in and out: import jobs, tabular reading, Noel's flat format, Akeneo's and
    Shopify's exports. Above the domain apps: it calls their services, none of them imports it."""

    name = "apps.exchange"
    label = "exchange"
    verbose_name = _("Imports")

    def ready(self) -> None:
        from apps.exchange.akeneo import imports as akeneo
        from apps.exchange.flat.imports import products_import
        from apps.exchange.flat.prices import prices_import
        from apps.exchange.flat.stock import stock_import
        from apps.exchange.jobs import Importer, importer_register
        from apps.exchange.shopify import imports as shopify

        # in this order on the upload form and when a file's kind is told by its header
        importer_register(Importer("products", _("products"), "products.change_product", products_import))
        setting_up = "products.add_attribute"
        label = _("a catalog from Akeneo's export files (ZIP)")
        importer_register(
            Importer("catalog", label, setting_up, akeneo.catalog_import, detect=akeneo.detect, sets=True)
        )
        importer_register(
            Importer(
                "shopify",
                _("Shopify's product CSV"),
                setting_up,
                shopify.shopify_import,
                detect=shopify.detect,
                options=("location",),
                check=shopify.location_refusal,
                choices=shopify.location_choices,
            )
        )
        importer_register(Importer("prices", _("prices"), "pricing.change_price", prices_import))
        importer_register(Importer("stock", _("stock"), "inventory.change_stocklevel", stock_import))
