"""Prices per product × channel × currency, and the effective price each channel shows."""

from __future__ import annotations

import pghistory
import pgtrigger
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.core.models import Channel, Currency
from apps.core.money import Money, format_money
from apps.products.models import Product


@pghistory.track(
    pghistory.InsertEvent("created"),
    pghistory.UpdateEvent("changed"),
    pghistory.DeleteEvent("deleted"),
    exclude=["updated_at"],
    # One history write per statement, not per row: each row trigger caught an error in pgtrigger's
    # ignore check and in pghistory's context lookup, and each caught error makes PostgreSQL walk every
    # deferred foreign-key check queued so far, so a bulk write slowed with the square of its rows.
    level=pgtrigger.Statement,
)
class Price(models.Model):
    """The base price a channel sells a product at; every change is kept (who, when, old, new, path)."""

    product = models.ForeignKey(
        Product, verbose_name=_("product"), on_delete=models.CASCADE, related_name="prices"
    )
    channel = models.ForeignKey(
        Channel, verbose_name=_("channel"), on_delete=models.CASCADE, related_name="+"
    )
    currency = models.ForeignKey(
        Currency,
        verbose_name=_("currency"),
        to_field="code",
        db_column="currency",
        on_delete=models.PROTECT,
        related_name="+",
    )
    amount = models.DecimalField(_("price"), max_digits=12, decimal_places=4)
    compare_at = models.DecimalField(
        _("compare-at price"), max_digits=12, decimal_places=4, null=True, blank=True
    )
    cost = models.DecimalField(_("cost"), max_digits=12, decimal_places=4, null=True, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("price")
        verbose_name_plural = _("prices")
        permissions = [("override_cost_guard", _("Can set a price below cost (with a reason)"))]
        constraints = [
            models.UniqueConstraint(fields=["product", "channel", "currency"], name="pricing_price_uniq"),
            models.CheckConstraint(condition=models.Q(amount__gte=0), name="pricing_price_not_negative"),
        ]
        indexes = [models.Index(fields=["channel", "product"], name="pricing_price_channel_idx")]

    def __str__(self) -> str:
        """The page title of a price: "DEC-000001 · web · 37,00 €" (not its ids and raw decimals)."""
        return f"{self.product.sku} · {self.channel.code} · {self.money.display()}"

    @property
    def money(self) -> Money:
        return Money(self.amount, self.currency_id).quantize()


class EffectivePrice(models.Model):
    """What a channel shows now: the base price with any active promotion applied.

    Stored so that feeds, the API and store pages read one row; rows marked dirty are recomputed in
    batches (apps.pricing.services.effective_prices_recompute).
    """

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="effective_prices")
    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="+")
    currency = models.ForeignKey(
        Currency, to_field="code", db_column="currency", on_delete=models.PROTECT, related_name="+"
    )
    amount = models.DecimalField(max_digits=12, decimal_places=4, null=True)
    regular_amount = models.DecimalField(max_digits=12, decimal_places=4, null=True)
    promotion = models.CharField(
        max_length=100, blank=True, help_text="code of the promotion applied, if any"
    )
    valid_from = models.DateTimeField(null=True, blank=True, help_text="when the applied promotion starts")
    valid_until = models.DateTimeField(null=True, blank=True, help_text="when the applied promotion ends")
    dirty = models.BooleanField(default=True)
    computed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["product", "channel"], name="pricing_effective_uniq")]
        indexes = [
            models.Index(fields=["id"], condition=models.Q(dirty=True), name="pricing_effective_dirty_idx")
        ]

    def __str__(self) -> str:
        return f"{self.product.sku} · {self.channel.code} · {format_money(self.amount, self.currency_id)}"
