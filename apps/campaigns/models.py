"""Campaigns: dated windows of promotions over channels, approved by a second person, switched by the clock.

Modelled on Saleor's promotions (rules per channel, prices recomputed through a dirty flag) and
django-oscar's offers (a range of products, a benefit, priority and exclusivity).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.validators import RegexValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from apps.assets.models import Asset
from apps.core.models import Channel, Currency

CODE_VALIDATOR = RegexValidator(r"^[A-Za-z0-9_-]+$", _("Letters, digits, - and _ only."))


class Campaign(models.Model):
    """A window (start, end, in a named timezone) during which its promotions apply on its channels."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        APPROVED = "approved", _("Approved")
        SCHEDULED = "scheduled", _("Scheduled")
        LIVE = "live", _("Live")
        ENDED = "ended", _("Ended")
        CANCELLED = "cancelled", _("Cancelled")

    code = models.CharField(_("code"), max_length=64, unique=True, validators=[CODE_VALIDATOR])
    name = models.CharField(_("name"), max_length=200)
    starts_at = models.DateTimeField(_("starts"), db_index=True)
    ends_at = models.DateTimeField(_("ends"), db_index=True)
    timezone = models.CharField(
        _("timezone"), max_length=64, default="Europe/Paris", help_text=_("Dates are entered and shown in it")
    )
    channels = models.ManyToManyField(Channel, verbose_name=_("channels"), related_name="+")
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.PROTECT, related_name="+"
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approver"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # Four eyes: who planned or edited the campaign, its promotions, banners or coupons, or submitted it,
    # since its last approval (user ids, emptied by the approval); none of them may approve it.
    contributors = ArrayField(models.BigIntegerField(), default=list, blank=True, editable=False)
    notes = models.TextField(_("notes"), blank=True)
    rejection_comment = models.TextField(_("rejection comment"), blank=True)
    findings = models.JSONField(
        _("guard-rail findings"), default=dict, blank=True, help_text=_("Last check, at submission or start")
    )
    version = models.PositiveIntegerField(_("version"), default=1)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    started_at = models.DateTimeField(_("switched on"), null=True, blank=True)
    ended_at = models.DateTimeField(_("switched off"), null=True, blank=True)

    class Meta:
        ordering = ["-starts_at", "code"]
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        permissions = [
            ("submit_campaign", _("Can submit campaigns for approval")),
            ("approve_campaign", _("Can approve campaigns (four-eyes)")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="campaigns_window_ordered"
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} — {self.name}"


# Campaigns in these states apply to prices at an instant of their window; drafts and submissions
# never do, nor cancelled ones. An ended campaign still explains the prices of its past window.
APPLYING = (
    Campaign.Status.APPROVED,
    Campaign.Status.SCHEDULED,
    Campaign.Status.LIVE,
    Campaign.Status.ENDED,
)
EDITABLE = (Campaign.Status.DRAFT, Campaign.Status.SUBMITTED)


class Benefit(models.TextChoices):
    PERCENTAGE_OFF = "percentage_off", _("Percentage off")
    AMOUNT_OFF = "amount_off", _("Amount off")
    FIXED_PRICE = "fixed_price", _("Fixed price")


class Promotion(models.Model):
    """What is discounted (union of SKUs, category subtrees, families, brands, a saved filter) and how."""

    class Stacking(models.TextChoices):
        EXCLUSIVE = "exclusive", _("Exclusive: never combined")
        CUMULATIVE = "cumulative", _("Cumulative: combined with other cumulative promotions")

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="promotions")
    code = models.CharField(_("code"), max_length=64, unique=True, validators=[CODE_VALIDATOR])
    name = models.CharField(_("name"), max_length=200, blank=True)
    skus = ArrayField(models.CharField(max_length=64), verbose_name=_("SKUs"), default=list, blank=True)
    categories = ArrayField(
        models.CharField(max_length=100),
        verbose_name=_("categories (with their subtree)"),
        default=list,
        blank=True,
    )
    families = ArrayField(
        models.CharField(max_length=100), verbose_name=_("families"), default=list, blank=True
    )
    brands = ArrayField(models.CharField(max_length=70), verbose_name=_("brands"), default=list, blank=True)
    product_filter = models.JSONField(
        _("saved filter"),
        default=dict,
        blank=True,
        help_text=_('All must match, e.g. {"family": ["toys"], "category": ["plush"], "sku_prefix": "TOY-"}'),
    )
    benefit = models.CharField(_("benefit"), max_length=16, choices=Benefit.choices)
    value = models.DecimalField(_("value"), max_digits=12, decimal_places=4)
    currency = models.ForeignKey(
        Currency,
        verbose_name=_("currency (for amounts)"),
        to_field="code",
        db_column="currency",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    buy_x_get_y = models.BooleanField(
        _("buy X get Y"), default=False, help_text=_("A flag for the shop's basket; prices are not changed")
    )
    buy_quantity = models.PositiveSmallIntegerField(_("buy (X)"), null=True, blank=True)
    free_quantity = models.PositiveSmallIntegerField(_("get free (Y)"), null=True, blank=True)
    priority = models.IntegerField(_("priority"), default=0, help_text=_("Higher applies first"))
    stacking = models.CharField(
        _("stacking"), max_length=16, choices=Stacking.choices, default=Stacking.EXCLUSIVE
    )

    class Meta:
        ordering = ["campaign", "-priority", "code"]
        verbose_name = _("promotion")
        verbose_name_plural = _("promotions")

    def __str__(self) -> str:
        return self.code


class PromotionOverride(models.Model):
    """A channel where the promotion gives another benefit (amounts in that channel's currency)."""

    promotion = models.ForeignKey(Promotion, on_delete=models.CASCADE, related_name="overrides")
    channel = models.ForeignKey(
        Channel, verbose_name=_("channel"), on_delete=models.CASCADE, related_name="+"
    )
    benefit = models.CharField(_("benefit"), max_length=16, choices=Benefit.choices)
    value = models.DecimalField(_("value"), max_digits=12, decimal_places=4)

    class Meta:
        verbose_name = _("channel override")
        verbose_name_plural = _("channel overrides")
        constraints = [
            models.UniqueConstraint(fields=["promotion", "channel"], name="campaigns_override_uniq")
        ]

    def __str__(self) -> str:
        return f"{self.promotion.code} · {self.channel.code}"


class Coupon(models.Model):
    """A code the shop and the stores accept during the campaign (omnichannel), with a usage limit."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="coupons")
    promotion = models.ForeignKey(
        Promotion, null=True, blank=True, on_delete=models.SET_NULL, related_name="coupons"
    )
    code = models.CharField(_("code"), max_length=40)
    usage_limit = models.PositiveIntegerField(
        _("usage limit"), null=True, blank=True, help_text=_("empty: unlimited")
    )
    uses = models.PositiveIntegerField(_("uses"), default=0)
    channels = models.ManyToManyField(Channel, verbose_name=_("channels"), related_name="+")
    valid_from = models.DateTimeField(_("valid from"))
    valid_until = models.DateTimeField(_("valid until"))
    batch = models.CharField(_("batch"), max_length=64, blank=True, db_index=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["campaign", "code"]
        verbose_name = _("coupon")
        verbose_name_plural = _("coupons")
        constraints = [
            models.UniqueConstraint(Lower("code"), name="campaigns_coupon_code_ci_uniq"),
            models.CheckConstraint(
                condition=models.Q(valid_until__gt=models.F("valid_from")), name="campaigns_coupon_validity"
            ),
        ]

    def __str__(self) -> str:
        return self.code


class Banner(models.Model):
    """A DAM picture the shop and the stores show for the campaign; the DAM refuses to delete it."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="banners")
    asset = models.ForeignKey(Asset, verbose_name=_("asset"), on_delete=models.PROTECT, related_name="+")
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["campaign", "position", "id"]
        verbose_name = _("banner")
        verbose_name_plural = _("banners")
        constraints = [models.UniqueConstraint(fields=["campaign", "asset"], name="campaigns_banner_uniq")]

    def __str__(self) -> str:
        return f"{self.campaign.code} · {self.asset}"
