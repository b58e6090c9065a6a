"""The change feed and the webhooks: what Noel tells other systems about its changes.

Published events reach the outbox (core.OutboxEvent) in the transaction of their change; the dispatcher
turns each committed one into change-feed entries (`ChangeEvent`, one per product, channel, campaign or
feed it is about) and into deliveries to the webhook endpoints that asked for them.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class EventType(models.TextChoices):
    PRODUCT_CREATED = "product.created", _("Product created")
    PRODUCT_CHANGED = "product.changed", _("Product changed")
    PRODUCT_APPROVED = "product.approved", _("Product approved")
    PRODUCT_RETIRED = "product.retired", _("Product retired")
    PRICE_CHANGED = "price.changed", _("Effective price changed on a channel")
    AVAILABILITY_CHANGED = "availability.changed", _("Availability changed on a channel")
    ASSET_CHANGED = "asset.changed", _("Asset changed")
    ASSET_EXPIRED = "asset.expired", _("Asset rights expired")
    CAMPAIGN_STARTED = "campaign.started", _("Campaign started")
    CAMPAIGN_ENDED = "campaign.ended", _("Campaign ended")
    FEED_PUBLISHED = "feed.published", _("Feed published")


TEST_EVENT = "webhook.test"


class ChangeEvent(models.Model):
    """One entry of the change feed. Ids are given by the dispatcher, one transaction at a time under a
    lock, so an entry is visible only once every entry with a smaller id is: a reader that remembers the
    last id it saw misses nothing and sees nothing twice."""

    type = models.CharField(_("type"), max_length=40, choices=EventType.choices)
    # no foreign key: the feed keeps telling about a product after it is deleted
    product_id = models.BigIntegerField(_("product id"), null=True, blank=True)
    sku = models.CharField(_("SKU"), max_length=100, blank=True)
    channel = models.CharField(_("channel"), max_length=50, blank=True)
    # what deliveries are ordered by: "product:<id>", "campaign:<code>", "feed:<channel>:<name>"…
    subject = models.CharField(_("subject"), max_length=200)
    sequence = models.BigIntegerField(_("sequence"), null=True, blank=True)
    data = models.JSONField(_("data"), default=dict)
    occurred_at = models.DateTimeField(_("occurred at"))
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)
    outbox_id = models.BigIntegerField(_("outbox event"))

    class Meta:
        verbose_name = _("change event")
        verbose_name_plural = _("change events")
        indexes = [
            models.Index(fields=["type", "id"], name="events_change_type"),
            models.Index(fields=["channel", "id"], name="events_change_channel"),
            models.Index(fields=["recorded_at"], name="events_change_recorded"),
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.sku or self.subject} #{self.pk}"


class ProductSequence(models.Model):
    """The last sequence number given to a product's change events (kept after the events are pruned)."""

    product_id = models.BigIntegerField(_("product id"), primary_key=True)
    last = models.BigIntegerField(_("last sequence"), default=0)

    class Meta:
        verbose_name = _("product sequence")
        verbose_name_plural = _("product sequences")

    def __str__(self) -> str:
        return f"{self.product_id}: {self.last}"


class WebhookEndpoint(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        PAUSED = "paused", _("Paused")

    name = models.CharField(_("name"), max_length=200)
    url = models.URLField(_("URL"), max_length=500)
    event_types = ArrayField(
        models.CharField(max_length=40, choices=EventType.choices),
        blank=True,
        default=list,
        verbose_name=_("event types"),
        help_text=_("Empty: every event type."),
    )
    channels = models.ManyToManyField(
        "core.Channel",
        blank=True,
        related_name="+",
        verbose_name=_("channels"),
        help_text=_("Empty: every channel. Events about no channel (a product's data) are always sent."),
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    paused_reason = models.TextField(_("why it is paused"), blank=True)
    paused_at = models.DateTimeField(_("paused at"), null=True, blank=True)
    failing_since = models.DateTimeField(_("failing since"), null=True, blank=True)
    secret = models.CharField(_("secret"), max_length=100, editable=False)
    previous_secret = models.CharField(_("previous secret"), max_length=100, blank=True, editable=False)
    previous_secret_until = models.DateTimeField(
        _("previous secret signs until"), null=True, blank=True, editable=False
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")
        permissions = [("send_webhook", _("Can send test events and redeliver"))]

    def __str__(self) -> str:
        return self.name


class Delivery(models.Model):
    """One message to one endpoint: its `webhook-id` stays the same across its attempts. While no attempt
    was made, later changes of the same kind to the same subject are folded into it."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Failed")

    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("endpoint")
    )
    message_id = models.CharField(_("message id"), max_length=60, unique=True)
    type = models.CharField(_("type"), max_length=40)
    subject = models.CharField(_("subject"), max_length=200)
    product_id = models.BigIntegerField(_("product id"), null=True, blank=True)
    sku = models.CharField(_("SKU"), max_length=100, blank=True)
    channel = models.CharField(_("channel"), max_length=50, blank=True)
    first_event_id = models.BigIntegerField(_("first change event"), null=True, blank=True)
    last_event_id = models.BigIntegerField(_("change event"), null=True, blank=True)
    sequence = models.BigIntegerField(_("sequence"), null=True, blank=True)
    folded = models.PositiveIntegerField(_("changes folded in"), default=1)
    data = models.JSONField(_("data"), default=dict)
    body = models.TextField(_("body"), blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    # retries stop NOEL_WEBHOOK_RETRY_FOR after this (its creation, or a redelivery)
    retry_since = models.DateTimeField(_("retried since"), default=timezone.now)
    claimed_until = models.DateTimeField(_("taken until"), null=True, blank=True)
    last_status = models.PositiveIntegerField(_("last answer"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        indexes = [
            models.Index(
                fields=["next_attempt_at"], condition=models.Q(status="pending"), name="events_delivery_due"
            ),
            models.Index(fields=["endpoint", "subject", "id"], name="events_delivery_stream"),
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.sku or self.subject} → {self.endpoint}"


class DeliveryAttempt(models.Model):
    delivery = models.ForeignKey(
        Delivery, on_delete=models.CASCADE, related_name="attempt_log", verbose_name=_("delivery")
    )
    number = models.PositiveIntegerField(_("attempt"))
    at = models.DateTimeField(_("at"), default=timezone.now)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), default=0)
    request = models.TextField(_("request"), blank=True)
    status_code = models.PositiveIntegerField(_("answer status"), null=True, blank=True)
    answer_start = models.TextField(_("start of the answer"), blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("delivery attempt")
        verbose_name_plural = _("delivery attempts")
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.delivery} #{self.number}"
