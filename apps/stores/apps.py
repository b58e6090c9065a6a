from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StoresConfig(AppConfig):
    name = "apps.stores"
    label = "stores"
    verbose_name = _("Store page")
    default_auto_field = "django.db.models.BigAutoField"
    role_permissions = {"store_staff": {"stores.use_store_page"}}
