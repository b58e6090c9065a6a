"""The review queue (suggestions beside their source text, accepted or rejected one by one or by the
page), the jobs with their progress, channel styles and the glossary; and the product list's actions
"suggest descriptions" and "translate", registered through the catalog's hook."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin
from unfold.decorators import action, display

from apps.assist import guards, policies, providers, services
from apps.assist.models import AssistJob, ChannelStyle, GlossaryTerm, Suggestion
from apps.core.models import Channel, Locale
from apps.products.admin import product_actions
from apps.products.models import PendingChange


def _may_decide(request) -> bool:
    return request.user.has_perm("assist.change_suggestion") and request.user.has_perm(
        "products.change_product"
    )


class SuggestionForm(forms.ModelForm):
    """The suggested text, editable before it is accepted, and the decision."""

    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("accept", _("Accept this text")), ("reject", _("Reject"))],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Reason (when rejecting)"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    class Meta:
        model = Suggestion
        fields = ["text"]
        widgets = {"text": forms.Textarea(attrs={"rows": 8})}

    def clean(self):
        """The decision is taken here, through the services, so that a refusal is said on the form and
        nothing is written."""
        data = super().clean()
        if self.errors:
            return data
        try:
            if data.get("decision") == "accept":
                services.suggestion_accept(actor=self.actor, suggestion=self.instance, text=data.get("text"))
            else:
                services.suggestion_reject(
                    actor=self.actor, suggestion=self.instance, reason=data.get("reason", "")
                )
        except PermissionDenied as exc:
            raise ValidationError(str(exc)) from exc
        except ValidationError as exc:
            if hasattr(exc, "error_dict") and "text" in exc.error_dict:
                self.add_error("text", exc.error_dict["text"])
                return data
            raise ValidationError(exc.messages) from exc
        return data


@admin.register(Suggestion)
class SuggestionAdmin(ModelAdmin):
    form = SuggestionForm
    list_display = (
        "product_link",
        "slot",
        "kind",
        "source",
        "suggested",
        "flag_list",
        "status_badge",
        "created_at",
    )
    list_display_links = ("slot",)  # the product column links to the product
    list_filter = ("status", "kind", "locale", "channel")
    search_fields = ("product__sku",)
    list_select_related = ("product",)
    list_per_page = 25
    readonly_fields = (
        "product_link", "slot", "kind", "source", "current_text", "flag_list", "status", "provider", "model",
        "prompt_version", "tokens", "created_by", "created_at", "decided_by", "decided_at", "reason", "job",
    )  # fmt: skip
    actions = ["accept_selected", "reject_selected"]

    def get_queryset(self, request):
        queryset = super().get_queryset(request).select_related("product", "created_by", "decided_by")
        return policies.visible_suggestions(request.user, queryset)

    def get_fieldsets(self, request, obj=None):
        editable = obj is not None and self.has_change_permission(request, obj)
        decide = (_("Decision"), {"fields": ["text", "decision", "reason"] if editable else ["text"]})
        return [
            (None, {"fields": ["product_link", "slot", "kind", "status", "source", "current_text"]}),
            decide,
            (_("Guard rails"), {"fields": ["flag_list"]}),
            (
                _("Where it comes from"),
                {
                    "fields": [
                        "provider",
                        "model",
                        "prompt_version",
                        "tokens",
                        "job",
                        "created_by",
                        "created_at",
                        "decided_by",
                        "decided_at",
                    ]
                },
            ),
        ]

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and self.has_change_permission(request, obj):
            return tuple(f for f in self.readonly_fields if f != "reason")  # the form's own field then
        return (*self.readonly_fields, "text")

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.actor = request.user
        return form

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        """A decision sent for a suggestion decided meanwhile (another tab, another person) is told who
        decided it, on its page, instead of a bare refusal."""
        if request.method == "POST" and object_id and _may_decide(request):
            obj = self.get_object(request, object_id)
            if obj is not None and obj.status != Suggestion.Status.PENDING:
                self.message_user(request, services.decided_message(obj), messages.WARNING)
                return HttpResponseRedirect(request.path)
        return super().changeform_view(request, object_id, form_url, extra_context)

    def response_change(self, request, obj):
        """Back to the queue, saying what the decision did to the product."""
        obj.refresh_from_db()
        if obj.status == Suggestion.Status.ACCEPTED:
            waits = PendingChange.objects.filter(product_id=obj.product_id).exists()
            message = (
                _("Accepted: the change of %(sku)s waits for an approver (four eyes).")
                if waits
                else _("Accepted: %(sku)s is changed (a new version).")
            )
        else:
            message = _("Rejected: %(sku)s is unchanged.")
        self.message_user(request, message % {"sku": obj.product.sku}, messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:assist_suggestion_changelist") + "?status__exact=pending")

    def save_model(self, request, obj, form, change):
        """The decision was written by the form's services (clean); nothing else to save."""

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        if not _may_decide(request):
            return False
        if obj is None:
            return True
        return obj.status == Suggestion.Status.PENDING and policies.decide_refusal(request.user, obj) is None

    @display(description=_("product"), ordering="product__sku")
    def product_link(self, obj: Suggestion) -> str:
        url = reverse("admin:products_product_change", args=[obj.product_id])
        return format_html('<a class="text-primary-600 underline" href="{}">{}</a>', url, obj.product.sku)

    @display(description=_("value"))
    def slot(self, obj: Suggestion) -> str:
        return f"{obj.attribute} · {obj.locale} · {obj.channel}"

    @display(description=_("source text"))
    def source(self, obj: Suggestion) -> str:
        if obj.kind == Suggestion.Kind.TRANSLATION:
            return format_html(
                "<span lang='{}'>[{}] {}</span>", obj.source_locale[:2], obj.source_locale, obj.source_text
            )
        facts = (obj.inputs or {}).get("facts") or {}
        rows = [(k, v) for k, v in (facts.get("attributes") or {}).items()]
        return format_html_join("", "<div><strong>{}</strong>: {}</div>", rows) or "—"

    @display(description=_("suggested text"))
    def suggested(self, obj: Suggestion) -> str:
        return format_html("<div lang='{}' style='max-width:32rem'>{}</div>", obj.locale[:2], obj.text)

    @display(description=_("guard rails"))
    def flag_list(self, obj: Suggestion) -> str:
        if not obj.flags:
            return _("nothing found")
        # refusals stand out in red, in words (no symbol a screen reader or a font may lack)
        return format_html_join(
            "",
            '<div class="{}">{}</div>',
            (
                ("text-red-600 font-semibold" if f.get("blocking") else "", guards.describe(f))
                for f in obj.flags
            ),
        )

    @display(
        description=_("status"),
        label={"pending": "warning", "accepted": "success", "rejected": "info", "refused": "danger"},
    )
    def status_badge(self, obj: Suggestion) -> tuple[str, str]:
        return obj.status, obj.get_status_display()

    def _decide(self, request, queryset, accept: bool) -> None:
        done, refused = services.suggestions_decide(
            actor=request.user, suggestions=queryset.order_by("pk"), accept=accept
        )
        message = _("%(count)d suggestion(s) accepted.") if accept else _("%(count)d suggestion(s) rejected.")
        if done:
            self.message_user(request, message % {"count": done}, messages.SUCCESS)
        for suggestion, reason in refused[:20]:
            self.message_user(request, f"{suggestion.product.sku}: {reason}", messages.WARNING)

    @action(description=_("Accept the selected suggestions"), permissions=["change"])
    def accept_selected(self, request, queryset):
        self._decide(request, queryset, accept=True)

    @action(description=_("Reject the selected suggestions"), permissions=["change"])
    def reject_selected(self, request, queryset):
        self._decide(request, queryset, accept=False)


@admin.register(AssistJob)
class AssistJobAdmin(ModelAdmin):
    list_display = (
        "number", "kind", "locale", "status", "progress", "suggested", "refused", "failed", "calls", "tokens",
        "created_by", "created_at", "message",
    )  # fmt: skip
    list_filter = ("status", "kind")
    readonly_fields = (
        "kind", "locale", "source_locale", "status", "progress", "suggested", "refused", "failed", "calls",
        "tokens", "message", "created_by", "created_at", "finished_at", "review",
    )  # fmt: skip
    exclude = ("product_ids", "total", "done")

    def get_queryset(self, request):
        return policies.visible_jobs(request.user, super().get_queryset(request).select_related("created_by"))

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @display(description=_("job"), ordering="pk")
    def number(self, obj: AssistJob) -> str:
        return f"#{obj.pk}"

    @display(description=_("progress"))
    def progress(self, obj: AssistJob) -> str:
        return _("%(done)d of %(total)d products") % {"done": obj.done, "total": obj.total}

    @display(description=_("review"))
    def review(self, obj: AssistJob) -> str:
        url = reverse("admin:assist_suggestion_changelist") + "?status__exact=pending"
        return format_html(
            '<a class="text-primary-600 underline" href="{}">{}</a>', url, _("Suggestions to review")
        )


@admin.register(ChannelStyle)
class ChannelStyleAdmin(ModelAdmin):
    list_display = ("channel", "tone", "max_length", "tags")
    list_select_related = ("channel",)

    def get_queryset(self, request):
        scope = policies.styled_channels(request.user)
        queryset = super().get_queryset(request)
        return queryset if scope is None else queryset.filter(channel__code__in=scope)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "channel":
            scope = policies.styled_channels(request.user)
            channels = Channel.objects.order_by("code")
            kwargs["queryset"] = channels if scope is None else channels.filter(code__in=scope)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @display(description=_("HTML tags accepted"))
    def tags(self, obj: ChannelStyle) -> str:
        return ", ".join(obj.allowed_tags) or _("plain text")


@admin.register(GlossaryTerm)
class GlossaryTermAdmin(ModelAdmin):
    list_display = ("term", "locale", "translation", "do_not_translate")
    list_filter = ("locale", "do_not_translate")
    search_fields = ("term", "translation")


# The product list's actions ------------------------------------------------------------------------------


def _locale(language: str) -> str | None:
    return (
        Locale.objects.filter(is_active=True, code__startswith=language)
        .order_by("code")
        .values_list("code", flat=True)
        .first()
    )


def _start(modeladmin, request, queryset, kind: str, locale: str | None, source_locale: str = "") -> None:
    """On the product list, which knows nothing of assistance's rights: checked here."""
    if not request.user.has_perm("assist.add_assistjob"):
        modeladmin.message_user(request, _("You may not ask for suggestions."), messages.ERROR)
        return
    if not providers.enabled(kind):
        modeladmin.message_user(request, providers.how_to_enable(), messages.WARNING)
        return
    if locale is None or (kind == AssistJob.Kind.TRANSLATION and not source_locale):
        modeladmin.message_user(request, _("No active locale in that language."), messages.ERROR)
        return
    try:
        job = services.job_start(
            actor=request.user, kind=kind, products=queryset, locale=locale, source_locale=source_locale
        )
    except (ValidationError, PermissionDenied) as exc:
        modeladmin.message_user(request, " ".join(getattr(exc, "messages", [str(exc)])), messages.ERROR)
        return
    url = reverse("admin:assist_assistjob_change", args=[job.pk])
    modeladmin.message_user(
        request,
        format_html(
            '{} <a class="underline" href="{}">{}</a>',
            _("%(count)d product(s) sent to the assistant; the suggestions wait for your review.")
            % {"count": job.total},
            url,
            _("Follow the job"),
        ),
        messages.SUCCESS,
    )


@action(description=_("Suggest descriptions (in my language)"), permissions=["change"])
def suggest_descriptions(modeladmin, request, queryset):
    _start(modeladmin, request, queryset, AssistJob.Kind.DRAFT, _locale((get_language() or "en")[:2]))


@action(description=_("Translate to English"), permissions=["change"])
def translate_to_english(modeladmin, request, queryset):
    _start(modeladmin, request, queryset, AssistJob.Kind.TRANSLATION, _locale("en"), _locale("fr") or "")


@action(description=_("Translate to French"), permissions=["change"])
def translate_to_french(modeladmin, request, queryset):
    _start(modeladmin, request, queryset, AssistJob.Kind.TRANSLATION, _locale("fr"), _locale("en") or "")


product_actions.extend([suggest_descriptions, translate_to_english, translate_to_french])
