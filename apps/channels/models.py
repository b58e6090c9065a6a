"""Feeds: what each channel receives from Noel, how it is built, and what was held back."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django_celery_beat.models import PeriodicTask

from apps.core.models import Channel, Locale
from apps.core.stored_text import readable

DEFAULT_MAPPING = {
    "title": "name",
    "description": "description",
    "brand": "brand",
    "color": "color",
    "size": "size",
    "gender": "gender",
    "age_group": "age_group",
    "material": "material",
    "mpn": "mpn",
    "condition": "condition",
    "google_product_category": "google_product_category",
    "shipping_weight": "weight",
}


class Feed(models.Model):
    """One file a channel pulls (or is pushed): its format, field mapping, schedule and current version.

    `current_run` is the pointer swapped atomically when a build succeeds: readers always get the last
    good file, whatever happens to the build in progress.
    """

    class Format(models.TextChoices):
        GOOGLE = "google_rss", _("Google Merchant (RSS 2.0)")
        GOOGLE_LOCAL = "google_local", _("Google local inventory (stores)")
        GOOGLE_PROMOTIONS = "google_promos", _("Google Merchant promotions")
        META = "meta_csv", _("Meta catalog (CSV)")
        JSONL = "jsonl", _("JSON lines")
        CSV = "csv", _("CSV")

    class SoldOut(models.TextChoices):
        OUT_OF_STOCK = "out_of_stock", _("Send as out of stock")
        DROP = "drop", _("Leave out of the feed")

    channel = models.ForeignKey(
        Channel, verbose_name=_("channel"), on_delete=models.CASCADE, related_name="feeds"
    )
    name = models.SlugField(
        _("file name"),
        max_length=64,
        help_text=_("Without extension; the channel pulls /feeds/{channel}/{name}.{ext}"),
    )
    format = models.CharField(_("format"), max_length=16, choices=Format.choices)
    locale = models.ForeignKey(
        Locale, verbose_name=_("locale"), to_field="code", on_delete=models.PROTECT, related_name="+"
    )
    category_root = models.CharField(
        _("category tree"),
        max_length=100,
        blank=True,
        help_text=_("Code of the category whose subtree is sent; empty for all"),
    )
    mapping = models.JSONField(
        _("field mapping"),
        default=dict,
        blank=True,
        help_text=_("Feed field → attribute code, over the defaults"),
    )
    link_template = models.CharField(
        _("product link"),
        max_length=255,
        default="{base_url}/p/{sku}",
        help_text=_("{base_url} and {sku} are replaced"),
    )
    sold_out = models.CharField(
        _("sold-out items"), max_length=16, choices=SoldOut.choices, default=SoldOut.OUT_OF_STOCK
    )
    strip_html = models.BooleanField(_("strip HTML from texts"), default=True)
    push_url = models.CharField(
        _("push to"),
        max_length=255,
        blank=True,
        validators=[
            RegexValidator(r"^s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](/.*)?$", _("An s3://bucket/prefix URL."))
        ],
        help_text=_("s3://bucket/prefix: each published file is also copied there; empty: pull only"),
    )
    schedule = models.OneToOneField(
        PeriodicTask,
        verbose_name=_("schedule"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    is_active = models.BooleanField(_("active"), default=True)
    dirty = models.BooleanField(_("changes since last build"), default=True)
    current_run = models.ForeignKey(
        "FeedRun",
        verbose_name=_("serving"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["channel__code", "name"]
        verbose_name = _("feed")
        verbose_name_plural = _("feeds")
        constraints = [models.UniqueConstraint(fields=["channel", "name"], name="channels_feed_name_uniq")]
        permissions = [("build_feed", _("Can build and preview feeds"))]

    def __str__(self) -> str:
        return f"{self.channel.code}/{self.file_name}"

    @property
    def extension(self) -> str:
        return {"meta_csv": "csv", "csv": "csv", "jsonl": "jsonl"}.get(self.format, "xml")

    @property
    def file_name(self) -> str:
        return f"{self.name}.{self.extension}"

    def field(self, name: str) -> str:
        return {**DEFAULT_MAPPING, **self.mapping}.get(name, "")


class FeedRun(models.Model):
    """One build of a feed: when, for which instant, what it published and held back, and its file."""

    class Status(models.TextChoices):
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")

    feed = models.ForeignKey(Feed, verbose_name=_("feed"), on_delete=models.CASCADE, related_name="runs")
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.RUNNING)
    at = models.DateTimeField(
        _("data as of"), help_text=_("The instant the feed shows (a preview is in the future)")
    )
    preview = models.BooleanField(_("preview"), default=False)
    # a preview may apply campaigns still awaiting approval, as if approved; a published build never does
    includes_awaiting_approval = models.BooleanField(_("campaigns awaiting approval included"), default=False)
    started_at = models.DateTimeField(_("started"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    chunks = models.PositiveIntegerField(default=0)
    items = models.PositiveIntegerField(_("items"), default=0)
    published = models.PositiveIntegerField(_("published"), default=0)
    held_back = models.PositiveIntegerField(_("held back"), default=0)
    dropped = models.PositiveIntegerField(_("sold out, left out"), default=0)
    checksum = models.CharField(_("SHA-256"), max_length=64, blank=True)
    size = models.PositiveBigIntegerField(_("bytes"), default=0)
    file = models.CharField(_("file"), max_length=255, blank=True)
    error = models.TextField(_("error"), blank=True)
    pushed_at = models.DateTimeField(_("pushed"), null=True, blank=True)
    push_error = models.TextField(_("push error"), blank=True)
    # set when a finished run published nothing or far fewer items than the last good run: the figures
    # and the commonest reason, shown in the person's language by `warning_text`
    warning = models.JSONField(_("warning"), default=dict, blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-started_at", "-id"]
        get_latest_by = "started_at"
        verbose_name = _("feed run")
        verbose_name_plural = _("feed runs")
        indexes = [models.Index(fields=["feed", "-started_at"], name="channels_run_feed_idx")]

    def __str__(self) -> str:
        return f"{self.feed} #{self.pk}"

    @property
    def duration(self):
        """How long the build took; unknown (None) when the worker's clock is behind the one that started
        the run (two machines whose clocks differ), rather than a negative time."""
        if not self.finished_at or self.finished_at < self.started_at:
            return None
        return self.finished_at - self.started_at

    def warning_text(self) -> str:
        """Why this run is flagged, in the active language ("" when it is not)."""
        warning = self.warning or {}
        if warning.get("code") == "none_published":
            text = (
                ngettext(
                    "published none of its %(items)s item",
                    "published none of its %(items)s items",
                    warning["items"],
                )
                % warning
            )
        elif warning.get("code") == "fewer_than_last":
            text = (
                gettext(
                    "published %(published)s items, less than half of the %(last)s "
                    "of the last good run #%(run)s"
                )
                % warning
            )
        else:
            return ""
        if warning.get("reason"):
            text += " — " + ngettext(
                "most held back for: %(reason)s (%(count)s item)",
                "most held back for: %(reason)s (%(count)s items)",
                warning["count"],
            ) % {**warning, "reason": readable(warning.get("reason_parts"), warning["reason"])}
        return text


class FeedRunStep(models.Model):
    """One step of a build (a chunk, or the final merge) as a worker took it: who, and its last sign of life.

    The worker beats `beat_at` while it works; a step left unfinished whose beat is older than
    NOEL_FEED_WORKER_LOST_AFTER lost its worker (killed or crashed), and its run is failed and rebuilt.
    A step is taken once: a second delivery of its task (the broker's redelivery) does nothing.
    """

    run = models.ForeignKey(
        FeedRun, verbose_name=_("feed run"), on_delete=models.CASCADE, related_name="steps"
    )
    # 0 .. chunks - 1: the chunks; `chunks`: the merge
    index = models.PositiveIntegerField()
    worker = models.CharField(_("worker"), max_length=255)
    pid = models.PositiveIntegerField(_("process"))
    started_at = models.DateTimeField(_("started"))
    beat_at = models.DateTimeField(_("last sign of life"))
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("feed run step")
        verbose_name_plural = _("feed run steps")
        constraints = [models.UniqueConstraint(fields=["run", "index"], name="channels_runstep_uniq")]
        indexes = [
            models.Index(
                fields=["beat_at"],
                condition=models.Q(finished_at__isnull=True),
                name="channels_step_open_idx",
            )
        ]

    def __str__(self) -> str:
        return f"{self.run} step {self.index}"


class FeedIssue(models.Model):
    """An item held back from a run, and why: the channel rule it broke, on which field."""

    run = models.ForeignKey(FeedRun, on_delete=models.CASCADE, related_name="issues")
    sku = models.CharField(_("item"), max_length=64)
    product = models.ForeignKey(
        "products.Product", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    field = models.CharField(_("field"), max_length=64)
    rule = models.CharField(_("rule"), max_length=64)
    message = models.TextField(_("message"))
    # how the message was made (apps.core.stored_text): said again in the reader's language
    message_parts = models.JSONField(default=list, blank=True, editable=False)

    class Meta:
        ordering = ["sku", "field"]
        verbose_name = _("feed issue")
        verbose_name_plural = _("feed issues")

    def __str__(self) -> str:
        return f"{self.sku}: {self.message}"

    @property
    def readable_message(self) -> str:
        """The message in the reader's language (the English one for rows stored before)."""
        return readable(self.message_parts, self.message)


class PullToken(models.Model):
    """A channel's credential to pull its feeds; several may be live so a token can be rotated."""

    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="pull_tokens")
    prefix = models.CharField(max_length=16, unique=True)
    key_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("pull token")
        verbose_name_plural = _("pull tokens")

    def __str__(self) -> str:
        return f"{self.channel.code} {self.prefix}…"
