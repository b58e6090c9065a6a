"""The findings list (filterable by rule, severity, channel, open or resolved, kind of rule), the scores,
the findings and score on the product form, and a re-check action on each."""

from __future__ import annotations

from django.contrib import admin, messages
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin, TabularInline
from unfold.decorators import action, display

from apps.core.models import Channel
from apps.products.admin import product_actions, product_inlines, product_saved
from apps.quality import policies, services
from apps.quality.labels import rule_label
from apps.quality.models import Finding, ProductScore, Severity
from apps.quality.registry import CATEGORIES, rules


class RuleFilter(admin.SimpleListFilter):
    """The registry's rules (no query to list them)."""

    title = _("rule")
    parameter_name = "rule__exact"

    def lookups(self, request, model_admin):
        return sorted(((code, rule_label(code)) for code in rules), key=lambda item: item[1])

    def queryset(self, request, queryset):
        return queryset.filter(rule=self.value()) if self.value() else queryset


class CategoryFilter(admin.SimpleListFilter):
    title = _("kind of rule")
    parameter_name = "category__exact"

    def lookups(self, request, model_admin):
        return list(CATEGORIES.items())

    def queryset(self, request, queryset):
        return queryset.filter(category=self.value()) if self.value() else queryset


class OpenFilter(admin.SimpleListFilter):
    title = _("state")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("open", _("Open")), ("resolved", _("Resolved"))]

    def queryset(self, request, queryset):
        if self.value() == "open":
            return queryset.filter(resolved_at__isnull=True)
        if self.value() == "resolved":
            return queryset.filter(resolved_at__isnull=False)
        return queryset


def _recheck(modeladmin, request, product_ids) -> None:
    report = services.quality_check(product_ids=product_ids, actor=request.user)
    modeladmin.message_user(
        request,
        _("%(products)d product(s) re-checked: %(opened)d finding(s) opened, %(resolved)d resolved.")
        % {
            "products": report.products,
            "opened": report.opened + report.reopened,
            "resolved": report.resolved,
        },
        messages.SUCCESS,
    )


class ReadOnlyWithRecheck(ModelAdmin):
    """Written only by the checks; whoever may re-check can re-run the rules on the selection."""

    actions = ["recheck_selected"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_check_permission(self, request):
        return request.user.has_perm("quality.check_quality")

    def get_queryset(self, request):
        return policies.visible_quality(request.user, super().get_queryset(request))

    @action(description=_("Re-check the products of the selection"), permissions=["check"])
    def recheck_selected(self, request, queryset):
        _recheck(self, request, set(queryset.values_list("product_id", flat=True)))


@admin.register(Finding)
class FindingAdmin(ReadOnlyWithRecheck):
    list_display = ("rule_name", "severity_badge", "product_link", "channel", "locale", "said",
                    "first_seen", "last_seen", "resolved_at")  # fmt: skip
    list_filter = (RuleFilter, "severity", "channel", OpenFilter, CategoryFilter)
    list_select_related = ("product", "channel")
    search_fields = ("product__sku",)
    search_help_text = _("SKU")
    show_full_result_count = False
    list_per_page = 50
    ordering = ("-last_seen", "-id")
    fields = readonly_fields = [
        "rule_name",
        *(
            "said" if f.name == "message" else f.name
            for f in Finding._meta.fields
            if f.name not in ("id", "rule", "message_parts")
        ),
    ]

    def has_delete_permission(self, request, obj=None):
        return False

    @display(description=_("rule"), ordering="rule")
    def rule_name(self, obj: Finding) -> str:
        return rule_label(obj.rule)

    @display(description=_("message"))
    def said(self, obj: Finding) -> str:
        return obj.readable_message

    @display(description=_("severity"), label={Severity.BLOCKING: "danger", Severity.WARNING: "warning"})
    def severity_badge(self, obj: Finding) -> tuple[str, str]:
        return obj.severity, obj.get_severity_display()

    @display(description=_("product"), ordering="product__sku")
    def product_link(self, obj: Finding) -> str:
        url = reverse("admin:products_product_change", args=[obj.product_id])
        return format_html('<a class="text-primary-600 underline" href="{}">{}</a>', url, obj.product.sku)


@admin.register(ProductScore)
class ProductScoreAdmin(ReadOnlyWithRecheck):
    list_display = ("product", "score", "blocking", "warnings", "per_channel", "checked_at")
    list_select_related = ("product",)
    search_fields = ("product__sku",)
    show_full_result_count = False
    ordering = ("score", "product_id")
    readonly_fields = ("product", "score", "blocking", "warnings", "per_channel", "checked_at")

    @admin.display(description=_("score per channel"))
    def per_channel(self, obj: ProductScore) -> str:
        return channel_scores(obj, {})  # channel codes: no query per row


class ProductFindingsInline(TabularInline):
    """The product's open findings, on its form (read-only)."""

    model = Finding
    extra = 0
    can_delete = False
    fields = ("rule_name", "severity", "channel", "locale", "said", "first_seen", "last_seen")
    readonly_fields = fields
    verbose_name_plural = _("Open quality findings")
    hide_title = True  # the row's rule and message are its columns already

    @display(description=_("rule"))
    def rule_name(self, obj: Finding) -> str:
        return rule_label(obj.rule)

    @display(description=_("message"))
    def said(self, obj: Finding) -> str:
        return obj.readable_message

    def get_queryset(self, request):
        return super().get_queryset(request).filter(resolved_at__isnull=True).select_related("channel")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


def channel_scores(score: ProductScore, names: dict[str, str]) -> str:
    """ "Google 95 · Meta 100": each channel's score by the channel's name, lowest first (what to look at)."""
    ordered = sorted(score.channels.items(), key=lambda item: (item[1], item[0]))
    return " · ".join(f"{names.get(code, code)} {value}" for code, value in ordered)


class ProductScoreInline(TabularInline):
    model = ProductScore
    extra = 0
    can_delete = False
    hide_title = True  # one row per product: its title would only repeat the product's id
    fields = ("score", "blocking", "warnings", "per_channel", "checked")
    readonly_fields = fields
    verbose_name_plural = _("Quality score")

    @admin.display(description=_("score per channel"))
    def per_channel(self, obj: ProductScore) -> str:
        return channel_scores(obj, dict(Channel.objects.values_list("code", "name")))

    @admin.display(description=_("checked"))
    def checked(self, obj: ProductScore) -> str:
        if obj.checked_at is None:  # not checked yet (a row of a form shown again with its errors)
            return "—"
        when = date_format(timezone.localtime(obj.checked_at), "DATETIME_FORMAT")
        if obj.product.updated_at and obj.product.updated_at > obj.checked_at:
            return format_html(
                "{}<br><em>{}</em>", when, _("being re-checked after the last change: reload in a moment")
            )
        return when

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@action(description=_("Re-check data quality"))
def recheck_quality(modeladmin, request, queryset):
    """On the product list, which knows nothing of quality's permissions: checked here."""
    if not request.user.has_perm("quality.check_quality"):
        modeladmin.message_user(request, _("You may not re-check data quality."), messages.ERROR)
        return
    _recheck(modeladmin, request, list(queryset.values_list("pk", flat=True)))


def recheck_saved_product(request, product) -> None:
    """The product form's score and findings are those of what was just saved, not of the last check."""
    services.quality_check(product_ids=[product.pk], actor=request.user, audit=False)


product_inlines += [ProductScoreInline, ProductFindingsInline]
product_actions.append(recheck_quality)
product_saved.append(recheck_saved_product)
