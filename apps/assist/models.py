"""Content assistance: suggested texts (drafts, translations) that a person accepts or rejects, the jobs
that ask for them in bulk, each channel's tone and limits, and the glossary per locale."""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.core.models import Channel, Locale
from apps.products.models import Product


class ChannelStyle(models.Model):
    """How texts are written for a channel: its tone, its length limit and the HTML it accepts."""

    channel = models.OneToOneField(
        Channel, verbose_name=_("channel"), on_delete=models.CASCADE, related_name="assist_style"
    )
    tone = models.CharField(
        _("tone"),
        max_length=300,
        blank=True,
        help_text=_("Said to the model, e.g. factual and precise, or lively and warm"),
    )
    max_length = models.PositiveIntegerField(
        _("max characters"), default=1000, help_text=_("Longer suggestions are shortened or refused")
    )
    allowed_tags = ArrayField(
        models.CharField(max_length=16),
        verbose_name=_("HTML tags accepted"),
        default=list,
        blank=True,
        help_text=_("Tags separated by commas, such as p, ul, li, strong; none: plain text"),
    )

    class Meta:
        ordering = ["channel__code"]
        verbose_name = _("channel style")
        verbose_name_plural = _("channel styles")

    def __str__(self) -> str:
        return self.channel.code


class GlossaryTerm(models.Model):
    """A term and how it is written in a locale, or a name never translated (a brand, a "Noël" product)."""

    locale = models.ForeignKey(
        Locale, verbose_name=_("locale"), to_field="code", on_delete=models.CASCADE, related_name="+"
    )
    term = models.CharField(_("term"), max_length=200, help_text=_("As written in the source text"))
    translation = models.CharField(
        _("translation"), max_length=200, blank=True, help_text=_("How this locale writes it")
    )
    do_not_translate = models.BooleanField(
        _("do not translate"), default=False, help_text=_("Kept exactly as written, in every text")
    )

    class Meta:
        ordering = ["locale", "term"]
        verbose_name = _("glossary term")
        verbose_name_plural = _("glossary")
        constraints = [models.UniqueConstraint(fields=["locale", "term"], name="assist_glossary_uniq")]

    def __str__(self) -> str:
        return f"{self.locale_id}: {self.term}"


class AssistJob(models.Model):
    """Drafts or translations asked for many products at once, run by a Celery worker."""

    class Kind(models.TextChoices):
        DRAFT = "draft", _("Suggest descriptions")
        TRANSLATION = "translation", _("Translate")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        STOPPED = "stopped", _("Stopped")

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    locale = models.CharField(_("locale"), max_length=35)
    source_locale = models.CharField(_("from locale"), max_length=35, blank=True)
    product_ids = ArrayField(
        models.BigIntegerField(), verbose_name=_("products chosen"), default=list, editable=False
    )
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.QUEUED)
    total = models.PositiveIntegerField(_("products"), default=0)
    done = models.PositiveIntegerField(_("products done"), default=0)
    suggested = models.PositiveIntegerField(_("suggestions"), default=0)
    refused = models.PositiveIntegerField(_("refused by the guard rails"), default=0)
    failed = models.PositiveIntegerField(_("failed"), default=0)
    calls = models.PositiveIntegerField(_("provider calls"), default=0)
    tokens = models.PositiveIntegerField(_("tokens used"), default=0)
    message = models.TextField(_("message"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("asked by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("assistance job")
        verbose_name_plural = _("assistance jobs")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.locale} #{self.pk}"


class Suggestion(models.Model):
    """A text proposed for one value of a product (attribute × locale × channel), with what produced it.
    Nothing reaches the product until a person accepts it, through the catalog's own services."""

    class Kind(models.TextChoices):
        DRAFT = "draft", _("Draft")
        TRANSLATION = "translation", _("Translation")

    class Status(models.TextChoices):
        PENDING = "pending", _("To review")
        ACCEPTED = "accepted", _("Accepted")
        REJECTED = "rejected", _("Rejected")
        REFUSED = "refused", _("Refused by the guard rails")

    product = models.ForeignKey(
        Product, verbose_name=_("product"), on_delete=models.CASCADE, related_name="suggestions"
    )
    attribute = models.CharField(_("attribute"), max_length=100)
    locale = models.CharField(_("locale"), max_length=35)
    channel = models.CharField(_("channel"), max_length=64, help_text=_("* for every channel"))
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    text = models.TextField(_("suggested text"))
    source_locale = models.CharField(_("from locale"), max_length=35, blank=True)
    source_text = models.TextField(_("source text"), blank=True)
    current_text = models.TextField(_("text when suggested"), blank=True)
    base_version = models.PositiveIntegerField(_("product version when suggested"))
    provider = models.CharField(_("provider"), max_length=200)
    model = models.CharField(_("model"), max_length=200, blank=True)
    prompt_version = models.CharField(_("prompt version"), max_length=50, blank=True)
    inputs = models.JSONField(_("inputs"), default=dict, blank=True)
    tokens = models.PositiveIntegerField(_("tokens used"), default=0)
    flags = models.JSONField(_("guard-rail flags"), default=list, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PENDING)
    job = models.ForeignKey(
        AssistJob, verbose_name=_("job"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("asked by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    edited = models.BooleanField(_("edited before acceptance"), default=False)
    reason = models.TextField(_("reason"), blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("suggestion")
        verbose_name_plural = _("suggestions")
        indexes = [models.Index(fields=["status", "product"], name="assist_suggestion_status_idx")]

    def __str__(self) -> str:
        return f"{self.product.sku} · {self.attribute} · {self.locale} · {self.channel}"
