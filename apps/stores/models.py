"""Who works in which store: the store page opens on a person's home store."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.inventory.models import StockLocation

# The rendition the store page shows: big enough for a 10-inch tablet, small enough to load at once.
SCREEN_SPEC = "store_screen"


class StaffStore(models.Model):
    """A person's home store. Holds the page's permission too (`stores.use_store_page`)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="home_store",
    )
    location = models.ForeignKey(
        StockLocation,
        verbose_name=_("store"),
        on_delete=models.CASCADE,
        related_name="staff",
        limit_choices_to={"kind": StockLocation.Kind.STORE},
    )

    class Meta:
        verbose_name = _("home store")
        verbose_name_plural = _("home stores")
        permissions = [("use_store_page", _("Can use the store page"))]

    def __str__(self) -> str:
        return f"{self.user} @ {self.location.code}"

    def clean(self) -> None:
        if self.location_id and self.location.kind != StockLocation.Kind.STORE:
            raise ValidationError(
                {"location": _("%(code)s is a warehouse, not a store.") % {"code": self.location.code}}
            )
