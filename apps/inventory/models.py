"""Where stock is (warehouses, stores), how much, and what each channel may sell."""

from __future__ import annotations

from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.core.models import Channel
from apps.products.models import Product


class StockLocation(models.Model):
    class Kind(models.TextChoices):
        WAREHOUSE = "warehouse", _("Warehouse")
        STORE = "store", _("Store")

    class PickupSla(models.TextChoices):
        SAME_DAY = "same_day", _("Same day")
        NEXT_DAY = "next_day", _("Next day")
        TWO_DAY = "2-day", _("2 days")
        THREE_DAY = "3-day", _("3 days")
        FOUR_DAY = "4-day", _("4 days")
        FIVE_DAY = "5-day", _("5 days")
        SIX_DAY = "6-day", _("6 days")
        MULTI_WEEK = "multi-week", _("Several weeks")

    code = models.CharField(
        _("code"), max_length=64, unique=True, validators=[RegexValidator(r"^[A-Za-z0-9_-]+$")]
    )
    name = models.CharField(_("name"), max_length=128)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    address = models.TextField(_("address"), blank=True)
    city = models.CharField(_("city"), max_length=128, blank=True)
    postcode = models.CharField(_("postcode"), max_length=16, blank=True)
    country = models.CharField(_("country"), max_length=2, default="FR")
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    opening_hours = models.JSONField(
        _("opening hours"), default=dict, blank=True, help_text=_('{"mon": "09:00-19:00", "sun": ""}')
    )
    channels = models.ManyToManyField(
        Channel, verbose_name=_("channels served"), related_name="stock_locations", blank=True
    )
    click_and_collect = models.BooleanField(_("click and collect"), default=False)
    ship_from_store = models.BooleanField(_("ship from store"), default=False)
    pickup_sla = models.CharField(_("pickup delay"), max_length=16, choices=PickupSla.choices, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("stock location")
        verbose_name_plural = _("stock locations")

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class StockLevel(models.Model):
    """On hand and reserved of one sellable product at one location; neither goes below zero."""

    product = models.ForeignKey(
        Product, verbose_name=_("product"), on_delete=models.CASCADE, related_name="stock_levels"
    )
    location = models.ForeignKey(
        StockLocation, verbose_name=_("location"), on_delete=models.CASCADE, related_name="levels"
    )
    on_hand = models.IntegerField(_("on hand"), default=0)
    reserved = models.IntegerField(_("reserved"), default=0)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("stock level")
        verbose_name_plural = _("stock levels")
        constraints = [
            models.UniqueConstraint(fields=["product", "location"], name="inventory_level_uniq"),
            models.CheckConstraint(condition=models.Q(on_hand__gte=0), name="inventory_on_hand_not_negative"),
            models.CheckConstraint(
                condition=models.Q(reserved__gte=0), name="inventory_reserved_not_negative"
            ),
        ]
        indexes = [models.Index(fields=["location", "product"], name="inventory_level_loc_idx")]

    def __str__(self) -> str:
        return f"{self.product.sku} @ {self.location.code}: {self.on_hand} on hand, {self.reserved} reserved"

    @property
    def available(self) -> int:
        return max(0, self.on_hand - self.reserved)


class ChannelStockPolicy(models.Model):
    """Stock held back from a channel so that it does not oversell (the safety buffer)."""

    channel = models.OneToOneField(
        Channel, verbose_name=_("channel"), on_delete=models.CASCADE, related_name="stock_policy"
    )
    safety_buffer = models.PositiveIntegerField(_("safety buffer"), default=0)

    class Meta:
        verbose_name = _("channel stock policy")
        verbose_name_plural = _("channel stock policies")

    def __str__(self) -> str:
        return f"{self.channel.code}: buffer {self.safety_buffer}"


class StockMovement(models.Model):
    """Every change of a stock level, for the history: who, when, from where, before and after."""

    level = models.ForeignKey(StockLevel, on_delete=models.CASCADE, related_name="movements")
    on_hand_before = models.IntegerField()
    on_hand_after = models.IntegerField()
    reserved_before = models.IntegerField()
    reserved_after = models.IntegerField()
    source = models.CharField(max_length=16)
    actor_label = models.CharField(max_length=150, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        where = f"{self.level.product.sku} @ {self.level.location.code}"
        return f"{where}: {self.on_hand_before} → {self.on_hand_after}"
