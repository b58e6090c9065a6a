"""The DAM: files and their renditions, linked to products.

Modelled on Wagtail's images: the original is kept as uploaded; renditions are derived per spec and
cached by the hash of the source they were made from, so replacing the source makes them stale at once.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.core.models import Channel
from apps.products.models import Product


def asset_path(instance: Asset, filename: str) -> str:
    """Content-addressed names: the same bytes always land at the same place, never overwrite others."""
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"assets/{instance.sha256[:2]}/{instance.sha256}.{ext}"


def rendition_path(instance: Rendition, filename: str) -> str:
    ext = filename.rsplit(".", 1)[-1].lower()
    return f"renditions/{instance.source_sha256[:2]}/{instance.source_sha256}-{instance.spec.code}.{ext}"


# the small square rendition lists show (the admin, the store page's results)
THUMBNAIL_SPEC = "thumbnail"


class Asset(models.Model):
    class Kind(models.TextChoices):
        IMAGE = "image", _("Image")
        VIDEO = "video", _("Video")
        PDF = "pdf", _("PDF")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        EXPIRED = "expired", _("Rights expired")
        ARCHIVED = "archived", _("Archived")

    file = models.FileField(_("file"), upload_to=asset_path, max_length=255)
    original_name = models.CharField(_("file name"), max_length=255)
    # the address an import named the file by (Shopify's Image Src), so that it is fetched only once
    source_url = models.URLField(_("fetched from"), max_length=1000, blank=True, db_index=True)
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices, db_index=True)
    mime_type = models.CharField(_("MIME type"), max_length=100, blank=True)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64, unique=True, editable=False)
    width = models.PositiveIntegerField(_("width"), null=True, blank=True)
    height = models.PositiveIntegerField(_("height"), null=True, blank=True)
    focal_x = models.FloatField(
        _("focal point x"),
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(1)],
        help_text=_("0 = left edge, 1 = right edge; crops keep this point in frame"),
    )
    focal_y = models.FloatField(
        _("focal point y"),
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(1)],
        help_text=_("0 = top edge, 1 = bottom edge"),
    )
    alt_text = models.JSONField(_("alt text"), default=dict, blank=True, help_text=_("{locale: text}"))
    caption = models.JSONField(_("caption"), default=dict, blank=True, help_text=_("{locale: text}"))
    tags = ArrayField(models.CharField(max_length=64), verbose_name=_("tags"), default=list, blank=True)
    rights_owner = models.CharField(_("rights owner"), max_length=200, blank=True)
    licence = models.CharField(_("licence"), max_length=200, blank=True)
    valid_until = models.DateTimeField(
        _("rights valid until"), null=True, blank=True, db_index=True, help_text=_("Empty: no end")
    )
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.ACTIVE, db_index=True
    )
    replaced_by = models.ForeignKey(
        "self",
        verbose_name=_("replaced by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="replaces",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("asset")
        verbose_name_plural = _("assets")
        indexes = [GinIndex(fields=["tags"], name="assets_asset_tags_gin")]

    def __str__(self) -> str:
        return self.original_name

    @property
    def is_image(self) -> bool:
        return self.kind == self.Kind.IMAGE


class RenditionSpec(models.Model):
    """A derived size and format, e.g. Google 1200×1200 JPEG on white. With a channel, it is that
    channel's feed image spec (one per channel) and its minimum source size applies to main pictures."""

    class Format(models.TextChoices):
        JPEG = "JPEG", "JPEG"
        WEBP = "WEBP", "WebP"
        PNG = "PNG", "PNG"

    class Fit(models.TextChoices):
        CONTAIN = "contain", _("Contain (whole picture, within the box)")
        COVER = "cover", _("Cover (fill the box, cropped around the focal point)")

    code = models.CharField(
        _("code"),
        max_length=64,
        unique=True,
        validators=[RegexValidator(r"^[a-z][a-z0-9_]*$", _("Lower-case letters, digits and _ only."))],
    )
    width = models.PositiveIntegerField(
        _("width"), validators=[MinValueValidator(1), MaxValueValidator(10000)]
    )
    height = models.PositiveIntegerField(
        _("height"), validators=[MinValueValidator(1), MaxValueValidator(10000)]
    )
    format = models.CharField(_("format"), max_length=4, choices=Format.choices, default=Format.JPEG)
    fit = models.CharField(_("fit"), max_length=8, choices=Fit.choices, default=Fit.CONTAIN)
    background = models.CharField(
        _("background colour"),
        max_length=7,
        default="#ffffff",
        validators=[RegexValidator(r"^#[0-9a-fA-F]{6}$", _("Use the form #rrggbb."))],
        help_text=_("Transparent pixels are flattened on it for formats without transparency"),
    )
    quality = models.PositiveSmallIntegerField(
        _("quality"), default=85, validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    channel = models.ForeignKey(
        Channel,
        verbose_name=_("feed image spec of channel"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="rendition_specs",
    )
    min_source_width = models.PositiveIntegerField(
        _("minimum width of a main picture"), default=0, help_text=_("0: no minimum")
    )
    min_source_height = models.PositiveIntegerField(
        _("minimum height of a main picture"), default=0, help_text=_("0: no minimum")
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("rendition spec")
        verbose_name_plural = _("rendition specs")
        constraints = [
            models.UniqueConstraint(
                fields=["channel"],
                condition=models.Q(channel__isnull=False),
                name="assets_spec_one_per_channel",
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} ({self.width}×{self.height} {self.format})"

    @property
    def extension(self) -> str:
        return {"JPEG": "jpg", "WEBP": "webp", "PNG": "png"}[self.format]


class Rendition(models.Model):
    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="renditions")
    spec = models.ForeignKey(RenditionSpec, on_delete=models.CASCADE, related_name="renditions")
    source_sha256 = models.CharField(max_length=64)
    file = models.FileField(upload_to=rendition_path, max_length=255)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("rendition")
        verbose_name_plural = _("renditions")
        constraints = [
            models.UniqueConstraint(
                fields=["asset", "spec", "source_sha256"], name="assets_rendition_per_source"
            )
        ]

    def __str__(self) -> str:
        return f"{self.asset} · {self.spec.code}"


class ProductAsset(models.Model):
    """A product's use of an asset. A link with a channel overrides, on that channel, the links of the
    same role without one."""

    class Role(models.TextChoices):
        MAIN = "main", _("Main picture")
        GALLERY = "gallery", _("Gallery")
        SWATCH = "swatch", _("Swatch")
        PACKSHOT = "packshot", _("Packshot")
        LIFESTYLE = "lifestyle", _("Lifestyle")

    product = models.ForeignKey(
        Product, verbose_name=_("product"), on_delete=models.CASCADE, related_name="asset_links"
    )
    asset = models.ForeignKey(
        Asset, verbose_name=_("asset"), on_delete=models.PROTECT, related_name="product_links"
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.GALLERY)
    position = models.PositiveIntegerField(_("position"), default=1)
    channel = models.ForeignKey(
        Channel,
        verbose_name=_("only on channel"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )

    class Meta:
        ordering = ["product", "role", "position", "id"]
        verbose_name = _("product picture")
        verbose_name_plural = _("product pictures")
        constraints = [
            models.UniqueConstraint(
                fields=["product", "asset", "role", "channel"],
                name="assets_productasset_unique",
                nulls_distinct=False,
            )
        ]
        indexes = [models.Index(fields=["product", "role", "position"], name="assets_link_order_idx")]

    def __str__(self) -> str:
        return f"{self.product.sku} · {self.get_role_display()} {self.position}"
