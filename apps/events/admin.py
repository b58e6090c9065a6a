"""Administrators' screens for webhooks: endpoints (send a test event, resend from an instant, rotate the
secret, pause and resume), each endpoint's delivery log with its attempts, and redelivery. Every write goes
through apps.events.services."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin, TabularInline
from unfold.decorators import action, display
from unfold.widgets import UnfoldAdminSplitDateTimeWidget

from apps.core.admin_mixins import ReadOnlyAdminMixin
from apps.core.instants import instant_validator
from apps.events import policies, services
from apps.events.models import Delivery, DeliveryAttempt, EventType, WebhookEndpoint

DELIVERY_STATUS = {"delivered": "success", "failed": "danger", "pending": "info"}


class EndpointForm(forms.ModelForm):
    event_types = forms.MultipleChoiceField(
        label=_("event types"),
        choices=EventType.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: every event type."),
    )

    class Meta:
        model = WebhookEndpoint
        fields = ["name", "url", "event_types", "channels"]

    def clean_url(self) -> str:
        url = self.cleaned_data["url"]
        try:
            services._check_url(url)
        except ValidationError as exc:
            raise forms.ValidationError(exc.message_dict["url"]) from exc
        return url


class ResendForm(forms.Form):
    since = forms.SplitDateTimeField(
        label=_("send again every change since"),
        widget=UnfoldAdminSplitDateTimeWidget(),
        validators=[instant_validator],
    )


def _recorded(text: str, lang: str = "en"):
    """A delivery log's text as it was recorded (in English), or a message's JSON (no language: "zxx"),
    marked so that browsers and screen readers read it as such on a French page."""
    return format_html('<span lang="{}">{}</span>', lang, text) if text else "—"


class LogColumns:
    @display(description=_("last error"))
    def last_error_text(self, obj: Delivery):
        return _recorded(obj.last_error)


class DeliveryInline(LogColumns, ReadOnlyAdminMixin, TabularInline):
    model = Delivery
    fields = (
        "message_link",
        "type",
        "sku",
        "channel",
        "status",
        "attempts",
        "last_status",
        "last_error_text",
        "created_at",
    )
    readonly_fields = fields
    ordering = ("-id",)
    extra = 0
    max_num = 0
    verbose_name_plural = _("last deliveries")

    def get_queryset(self, request):
        # the newest 20: an endpoint's log can hold a day of messages (the full list: "deliveries")
        queryset = super().get_queryset(request)
        newest = list(queryset.order_by("-id").values_list("id", flat=True)[:20])
        return queryset.filter(pk__in=newest)

    @display(description=_("message"))
    def message_link(self, obj: Delivery):
        return format_html(
            '<a href="{}">{}</a>', reverse("admin:events_delivery_change", args=[obj.pk]), obj.message_id
        )


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(ModelAdmin):
    form = EndpointForm
    list_display = ("name", "url", "state", "paused_reason_text", "failing_since", "deliveries_link")
    list_filter = ("status",)
    search_fields = ("name", "url")
    readonly_fields = (
        "status",
        "paused_reason_text",
        "paused_at",
        "failing_since",
        "created_by",
        "created_at",
    )
    inlines = [DeliveryInline]
    actions = ["pause", "resume"]
    actions_detail = ["send_test", "resend_from", "rotate_secret", "resume_one"]

    def get_queryset(self, request):
        return policies.visible_endpoints(request.user, super().get_queryset(request))

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else []  # a new endpoint has no deliveries yet

    @display(description=_("why it is paused"))
    def paused_reason_text(self, obj: WebhookEndpoint):
        return _recorded(obj.paused_reason)

    @display(description=_("status"), label={"active": "success", "paused": "danger"})
    def state(self, obj: WebhookEndpoint):
        return obj.status, obj.get_status_display()

    @display(description=_("deliveries"))
    def deliveries_link(self, obj: WebhookEndpoint):
        url = reverse("admin:events_delivery_changelist") + f"?endpoint__id__exact={obj.pk}"
        return format_html('<a href="{}">{}</a>', url, _("deliveries"))

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        try:
            if change:
                saved = services.endpoint_update(
                    actor=request.user, endpoint=obj, name=data["name"], url=data["url"],
                    event_types=data["event_types"], channels=data["channels"],
                )  # fmt: skip
            else:
                saved = services.endpoint_create(
                    actor=request.user, name=data["name"], url=data["url"],
                    event_types=data["event_types"], channels=data["channels"],
                )  # fmt: skip
                self.message_user(
                    request,
                    _("Signing secret of %(name)s (shown once, copy it to the receiver now): %(secret)s")
                    % {"name": saved.name, "secret": saved.secret},
                    messages.WARNING,
                )
        except ValidationError as exc:
            raise forms.ValidationError(exc.messages) from exc
        obj.pk = saved.pk

    def save_related(self, request, form, formsets, change):
        """The channels were set by the service."""

    def _endpoint(self, request, object_id) -> WebhookEndpoint:
        if not str(object_id).isdigit():  # the action's path also matches ".../1/change/test/"
            raise Http404
        return get_object_or_404(self.get_queryset(request), pk=object_id)

    def _back(self, object_id):
        return HttpResponseRedirect(reverse("admin:events_webhookendpoint_change", args=[object_id]))

    @action(description=_("Send a test event"), url_path="test", permissions=["send"])
    def send_test(self, request, object_id):
        delivery = services.endpoint_send_test(
            actor=request.user, endpoint=self._endpoint(request, object_id)
        )
        ok = delivery.status == Delivery.Status.DELIVERED
        self.message_user(
            request,
            _("Test event %(id)s: %(outcome)s")
            % {
                "id": delivery.message_id,
                "outcome": _("answered %(status)s") % {"status": delivery.last_status}
                if ok
                else delivery.last_error,
            },
            messages.SUCCESS if ok else messages.ERROR,
        )
        return self._back(object_id)

    @action(description=_("Resend from an instant"), url_path="resend", permissions=["send"])
    def resend_from(self, request, object_id):
        endpoint = self._endpoint(request, object_id)
        form = ResendForm(request.POST or None, initial={"since": timezone.localtime()})
        if request.method == "POST" and form.is_valid():
            made = services.endpoint_resend_from(
                actor=request.user, endpoint=endpoint, since=form.cleaned_data["since"]
            )
            self.message_user(request, _("%(count)s message(s) queued.") % {"count": made}, messages.SUCCESS)
            return self._back(object_id)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": endpoint,
            "form": form,
            "title": _("Send %(endpoint)s its changes again") % {"endpoint": endpoint},
        }
        return TemplateResponse(request, "admin/events/webhookendpoint/resend.html", context)

    @action(description=_("Rotate the secret"), url_path="rotate", permissions=["change"])
    def rotate_secret(self, request, object_id):
        endpoint = services.endpoint_rotate_secret(
            actor=request.user, endpoint=self._endpoint(request, object_id)
        )
        self.message_user(
            request,
            _("New signing secret (shown once; the previous one also signs until %(until)s): %(secret)s")
            % {
                "secret": endpoint.secret,
                "until": timezone.localtime(endpoint.previous_secret_until).strftime("%d/%m %H:%M"),
            },
            messages.WARNING,
        )
        return self._back(object_id)

    @action(description=_("Resume"), url_path="resume", permissions=["change"])
    def resume_one(self, request, object_id):
        services.endpoint_resume(actor=request.user, endpoint=self._endpoint(request, object_id))
        self.message_user(request, _("Resumed; waiting messages go now."), messages.SUCCESS)
        return self._back(object_id)

    @action(description=_("Pause"), permissions=["change"])
    def pause(self, request, queryset):
        for endpoint in queryset:
            services.endpoint_pause(
                actor=request.user, endpoint=endpoint, reason=_("paused by %(who)s") % {"who": request.user}
            )

    @action(description=_("Resume"), permissions=["change"])
    def resume(self, request, queryset):
        for endpoint in queryset:
            services.endpoint_resume(actor=request.user, endpoint=endpoint)

    def delete_model(self, request, obj):
        services.endpoint_delete(actor=request.user, endpoint=obj)

    def has_send_permission(self, request, obj=None) -> bool:
        return request.user.has_perm("events.send_webhook")


class AttemptInline(ReadOnlyAdminMixin, TabularInline):
    model = DeliveryAttempt
    fields = ("number", "at", "duration_ms", "status_code", "error_text", "answer_text", "request_text")
    readonly_fields = fields
    extra = 0
    max_num = 0

    @display(description=_("error"))
    def error_text(self, obj: DeliveryAttempt):
        return _recorded(obj.error)

    @display(description=_("start of the answer"))
    def answer_text(self, obj: DeliveryAttempt):
        return _recorded(obj.answer_start, "zxx")

    @display(description=_("request"))
    def request_text(self, obj: DeliveryAttempt):
        return _recorded(obj.request, "zxx")


@admin.register(Delivery)
class DeliveryAdmin(LogColumns, ReadOnlyAdminMixin, ModelAdmin):
    list_display = (
        "message_id",
        "endpoint",
        "type",
        "sku",
        "channel",
        "status_label",
        "attempts",
        "last_status",
        "created_at",
        "next_attempt_at",
    )
    list_filter = ("status", "type", "endpoint")
    list_select_related = ("endpoint",)
    search_fields = ("message_id", "sku")
    readonly_fields = (
        "endpoint", "message_id", "type", "sku", "channel", "sequence", "folded", "status", "attempts",
        "last_status", "last_error_text", "next_attempt_at", "created_at", "delivered_at", "body_text",
    )  # fmt: skip
    fields = readonly_fields
    inlines = [AttemptInline]
    actions = ["redeliver_selected"]
    actions_detail = ["redeliver_one"]

    @display(description=_("body"))
    def body_text(self, obj: Delivery):
        return _recorded(obj.body, "zxx")

    def get_queryset(self, request):
        visible = policies.visible_endpoints(request.user, WebhookEndpoint.objects.all())
        return super().get_queryset(request).filter(endpoint__in=visible)

    @display(description=_("status"), label=DELIVERY_STATUS)
    def status_label(self, obj: Delivery):
        return obj.status, obj.get_status_display()

    @action(description=_("Redeliver"), url_path="redeliver", permissions=["send"])
    def redeliver_one(self, request, object_id):
        if not str(object_id).isdigit():
            raise Http404
        delivery = get_object_or_404(self.get_queryset(request), pk=object_id)
        services.delivery_redeliver(actor=request.user, delivery=delivery)
        self.message_user(request, _("Queued to be sent again."), messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:events_delivery_change", args=[object_id]))

    @action(description=_("Redeliver"), permissions=["send"])
    def redeliver_selected(self, request, queryset):
        for delivery in queryset:
            services.delivery_redeliver(actor=request.user, delivery=delivery)
        self.message_user(request, _("Queued to be sent again."), messages.SUCCESS)

    def has_send_permission(self, request, obj=None) -> bool:
        return request.user.has_perm("events.send_webhook")
