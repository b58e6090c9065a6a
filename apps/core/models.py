import pgtrigger
from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.core.fields import WrittenJSONField
from apps.core.money import currency_exponent


class Role(models.TextChoices):
    """The role groups created by migration; a user's rights are those of their groups."""

    MERCHANDISER = "merchandiser", _("Merchandiser")
    MARKETER = "marketer", _("Marketer")
    APPROVER = "approver", _("Approver")
    CHANNEL_MANAGER = "channel_manager", _("Channel manager")
    INTEGRATOR = "integrator", _("Integrator")
    STORE_STAFF = "store_staff", _("Store staff")
    ADMIN = "admin", _("Administrator")


class User(AbstractUser):
    language = models.CharField(
        _("language"),
        max_length=10,
        choices=settings.LANGUAGES,
        blank=True,
        help_text=_("Language of the admin for this user; empty follows the browser."),
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.UniqueConstraint(
                Lower("email"), name="core_user_email_ci_unique", condition=~models.Q(email="")
            )
        ]

    def has_role(self, role: Role) -> bool:
        return self.groups.filter(name=role.value).exists()


class Locale(models.Model):
    """A language-region in which product texts are written (fr_FR, en_GB)."""

    code = models.CharField(
        _("code"),
        max_length=10,
        unique=True,
        validators=[RegexValidator(r"^[a-z]{2,3}_[A-Z]{2}$", _("Use the form fr_FR: language_REGION."))],
    )
    name = models.CharField(_("name"), max_length=64)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("locale")
        verbose_name_plural = _("locales")

    def __str__(self) -> str:
        return self.code

    @property
    def language(self) -> str:
        return self.code.split("_", 1)[0]


class Currency(models.Model):
    """An ISO 4217 currency Noel sells in, with the number of decimals it is quoted in."""

    code = models.CharField(
        _("code"),
        max_length=3,
        unique=True,
        validators=[RegexValidator(r"^[A-Z]{3}$", _("Use the three-letter ISO 4217 code, e.g. EUR."))],
    )
    name = models.CharField(_("name"), max_length=64)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("currency")
        verbose_name_plural = _("currencies")

    def __str__(self) -> str:
        return self.code

    @property
    def decimal_places(self) -> int:
        """ISO 4217's minor unit, the precision Money rounds to: not a setting anyone may change."""
        return currency_exponent(self.code)

    decimal_places.fget.short_description = _("decimal places")


class Channel(models.Model):
    """A place where products are sold or shown: its identity, languages and currency.

    Kept in core, beside locales and currencies, because products (scoped values, completeness),
    pricing, inventory and campaigns all refer to channels; the channels app adds feeds on top.
    """

    class Kind(models.TextChoices):
        WEB = "web", _("Web shop")
        MARKETPLACE = "marketplace", _("Marketplace")
        GOOGLE = "google", _("Google Merchant")
        META = "meta", _("Meta catalog")
        STORE = "store", _("Physical stores")

    code = models.CharField(
        _("code"),
        max_length=64,
        unique=True,
        validators=[RegexValidator(r"^[a-z][a-z0-9_]*$", _("Lower-case letters, digits and _ only."))],
    )
    name = models.CharField(_("name"), max_length=128)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    locales = models.ManyToManyField(Locale, verbose_name=_("locales"), related_name="channels")
    currency = models.ForeignKey(
        Currency, verbose_name=_("currency"), to_field="code", on_delete=models.PROTECT, related_name="+"
    )
    base_url = models.URLField(_("base URL for product links"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    # Where a catalog scopes its values to channels Noel does not sell on (Akeneo's ecommerce, print,
    # mobile), a sales channel reads theirs where it has none of its own, in this order.
    fallbacks = ArrayField(
        models.CharField(max_length=64),
        verbose_name=_("takes scoped values from"),
        default=list,
        blank=True,
        help_text=_(
            "Codes of other channels, in order, separated by commas: where a product has no value of its "
            "own for this channel, the first of them that has one gives it (e.g. ecommerce)."
        ),
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("channel")
        verbose_name_plural = _("channels")
        # Granted per channel (django-guardian, in the admin): a channel manager holding it on some
        # channels works only on those channels' feeds.
        permissions = [("manage_channel", _("Can manage this channel's feeds"))]

    def __str__(self) -> str:
        return self.code

    def clean(self) -> None:
        super().clean()
        codes = [code.strip() for code in self.fallbacks if code.strip()]
        if self.code in codes:
            raise ValidationError({"fallbacks": _("A channel cannot take values from itself.")})
        if len(set(codes)) != len(codes):
            raise ValidationError({"fallbacks": _("Each channel may be named once.")})
        unknown = sorted(
            set(codes) - set(Channel.objects.filter(code__in=codes).values_list("code", flat=True))
        )
        if unknown:
            raise ValidationError(
                {"fallbacks": _("Unknown channel(s): %(codes)s.") % {"codes": ", ".join(unknown)}}
            )
        self.fallbacks = codes


class AuditLog(models.Model):
    """Append-only record of every write made through a service.

    Rows are written in the same transaction as the change they describe; a database trigger
    (`pgtrigger.Protect`) refuses UPDATE and DELETE, so the log cannot be edited after the fact, even
    from a shell or in raw SQL.
    """

    class Source(models.TextChoices):
        ADMIN = "admin", _("Admin")
        API = "api", _("API")
        IMPORT = "import", _("Import")
        TASK = "task", _("Scheduled job")
        SYSTEM = "system", _("System")

    created_at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("who"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    actor_label = models.CharField(_("who (as recorded)"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=64)
    object_type = models.CharField(_("object type"), max_length=64)
    object_code = models.CharField(_("object"), max_length=255)
    diff = WrittenJSONField(_("change"), default=dict, blank=True)
    source = models.CharField(_("source"), max_length=16, choices=Source.choices, default=Source.SYSTEM)
    request_id = models.CharField(_("request id"), max_length=64, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")
        # an audit log an administrator could edit from a shell would prove nothing: the database itself
        # refuses every UPDATE and DELETE, whichever path sends them
        triggers = [pgtrigger.Protect(name="append_only", operation=pgtrigger.Update | pgtrigger.Delete)]
        indexes = [
            models.Index(fields=["object_type", "object_code", "-created_at"], name="core_audit_object_idx"),
            # the admin filters on the action as a whole: no second, LIKE-ready copy of this index
            models.Index(fields=["action"], name="core_audit_action_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.object_type} {self.object_code}"


class IdempotencyKey(models.Model):
    """The result of a batch write, kept under the caller's key so that a retry applies nothing twice.
    Keys belong to their client (`token:<id>`, or `user:<id>` for a person without a token): two
    clients sending the same key are two writes."""

    client = models.CharField(max_length=64, default="")
    scope = models.CharField(max_length=64)
    key = models.CharField(max_length=128)
    fingerprint = models.CharField(max_length=64)
    result = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["client", "scope", "key"], name="core_idempotency_client_uniq")
        ]

    def __str__(self) -> str:
        return f"{self.client} {self.scope}:{self.key}"


class ApiToken(models.Model):
    """A personal or service token for the REST API. Only a SHA-256 of the secret is stored; the
    secret is shown once, at creation. Scopes limit what it may do; revoking is immediate."""

    class Scope(models.TextChoices):
        READ = "read", _("Read")
        WRITE = "write", _("Write")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("prefix"), max_length=12, unique=True, editable=False)
    key_hash = models.CharField(max_length=64, editable=False)
    scopes = ArrayField(
        models.CharField(max_length=16, choices=Scope.choices), verbose_name=_("scopes"), default=list
    )
    channels = models.ManyToManyField(
        "core.Channel", verbose_name=_("limited to channels"), blank=True, help_text=_("Empty: every channel")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        # every role but store staff (who use the store page only): apps.core.policies.may_use_api
        permissions = [("use_api", _("Can use the API"))]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class ImportJob(models.Model):
    """One uploaded file on its way in: previewed (a dry run), then applied once confirmed, by Celery.

    Progress while running lives in the cache (the import's own transaction hides its writes until the
    end); the report of each run is kept here, so the person can leave the page and come back.
    """

    class Status(models.TextChoices):
        PREVIEWING = "previewing", _("Checking")
        PREVIEWED = "previewed", _("Checked, waiting for confirmation")
        REFUSED = "refused", _("Refused")
        RUNNING = "running", _("Importing")
        DONE = "done", _("Imported")
        FAILED = "failed", _("Failed")

    kind = models.CharField(_("what"), max_length=32)
    file = models.FileField(_("file"), upload_to="imports/%Y/%m/")
    name = models.CharField(_("file name"), max_length=255)
    skip_invalid = models.BooleanField(
        _("skip invalid rows"), default=False, help_text=_("Import the valid rows and report the others")
    )
    options = models.JSONField(
        _("options"), default=dict, blank=True, help_text=_("What the import asks besides the file")
    )
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PREVIEWING)
    rows_total = models.PositiveIntegerField(_("rows"), default=0)
    preview = models.JSONField(_("preview"), default=dict, blank=True)
    report = models.JSONField(_("report"), default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("who"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("confirmed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("import")
        verbose_name_plural = _("imports")

    def __str__(self) -> str:
        return f"{self.kind}: {self.name}"


class OutboxEvent(models.Model):
    """One published event, written in the transaction of the change it announces: the durable record
    that Noel's own reactions ran (`reacted_at`) and that the events app turned it into change-feed
    entries and webhook deliveries (`fanned_out_at`). A rolled-back change leaves no row."""

    topic = models.CharField(_("topic"), max_length=200)
    data = models.JSONField(_("data"), default=dict)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    reacted_at = models.DateTimeField(_("reacted to at"), null=True, blank=True)
    fanned_out_at = models.DateTimeField(_("dispatched at"), null=True, blank=True)

    class Meta:
        verbose_name = _("outbox event")
        verbose_name_plural = _("outbox events")
        indexes = [
            models.Index(
                fields=["id"], condition=models.Q(reacted_at__isnull=True), name="core_outbox_unreacted"
            ),
            models.Index(
                fields=["id"], condition=models.Q(fanned_out_at__isnull=True), name="core_outbox_unfanned"
            ),
            models.Index(fields=["created_at"], name="core_outbox_created"),
        ]

    def __str__(self) -> str:
        return f"{self.topic} #{self.pk}"
