"""Data-quality findings: what a rule found wrong with a product, and each product's quality score.

A finding is keyed by (rule, product, channel, locale, asset): re-running a rule updates the open
finding instead of adding a twin, and a resolved finding that fires again opens again.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.core.models import Channel
from apps.core.stored_text import readable
from apps.products.models import Product


class Severity(models.TextChoices):
    BLOCKING = "blocking", _("Blocking (kept out of the channel's feed)")
    WARNING = "warning", _("Warning")


class Finding(models.Model):
    rule = models.CharField(_("rule"), max_length=64)
    category = models.CharField(_("kind of rule"), max_length=32)
    severity = models.CharField(_("severity"), max_length=16, choices=Severity.choices)
    product = models.ForeignKey(
        Product, verbose_name=_("product"), on_delete=models.CASCADE, related_name="quality_findings"
    )
    channel = models.ForeignKey(
        Channel,
        verbose_name=_("channel"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text=_("Empty: every channel"),
    )
    locale = models.CharField(_("locale"), max_length=10, blank=True, default="")
    asset = models.ForeignKey(
        "assets.Asset",
        verbose_name=_("asset"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    message = models.TextField(_("message"))
    # how the message was made (apps.core.stored_text): said again in the reader's language
    message_parts = models.JSONField(default=list, blank=True, editable=False)
    details = models.JSONField(_("details"), default=dict, blank=True)
    first_seen = models.DateTimeField(_("first seen"))
    last_seen = models.DateTimeField(_("last seen"))
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)

    class Meta:
        ordering = ["-last_seen", "-id"]
        verbose_name = _("quality finding")
        verbose_name_plural = _("quality findings")
        permissions = [("check_quality", _("Can re-check products' data quality"))]
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "product", "channel", "locale", "asset"],
                name="quality_finding_key",
                nulls_distinct=False,
            )
        ]
        indexes = [
            # the open findings of a batch of products (feeds, scores, the product page)
            models.Index(
                fields=["product", "severity"],
                condition=models.Q(resolved_at__isnull=True),
                name="quality_open_idx",
            ),
            models.Index(fields=["rule", "resolved_at"], name="quality_rule_idx"),
            models.Index(fields=["channel", "severity", "resolved_at"], name="quality_channel_idx"),
            models.Index(fields=["category", "resolved_at"], name="quality_category_idx"),
            models.Index(fields=["-last_seen", "-id"], name="quality_recent_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.rule}: {self.message}"

    @property
    def readable_message(self) -> str:
        """The message in the reader's language (the English one for rows stored before)."""
        return readable(self.message_parts, self.message)


class ProductScore(models.Model):
    """A product's quality from 0 to 100, overall and per channel, from its open findings; stored so a
    channel's score over 100,000 products is one indexed aggregate."""

    product = models.OneToOneField(
        Product, primary_key=True, on_delete=models.CASCADE, related_name="quality_score"
    )
    score = models.PositiveSmallIntegerField(_("score"), default=100)
    blocking = models.PositiveIntegerField(_("blocking findings"), default=0)
    warnings = models.PositiveIntegerField(_("warnings"), default=0)
    channels = models.JSONField(_("score per channel"), default=dict, blank=True)
    checked_at = models.DateTimeField(_("checked"))

    class Meta:
        verbose_name = _("quality score")
        verbose_name_plural = _("quality scores")
        indexes = [models.Index(fields=["score"], name="quality_score_idx")]

    def __str__(self) -> str:
        return f"{self.product.sku}: {self.score}"
