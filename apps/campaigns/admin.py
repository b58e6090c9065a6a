"""Campaigns in the admin: plan, submit, review (old and new prices, guard rails), approve or reject,
cancel; a calendar where overlaps show; a preview of any instant. Every write goes through the services."""

from __future__ import annotations

import calendar
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin, TabularInline
from unfold.decorators import action, display
from unfold.forms import ActionForm
from unfold.widgets import UnfoldAdminIntegerFieldWidget, UnfoldAdminTextInputWidget

from apps.assets.admin import PictureField, thumbnail_html
from apps.campaigns import selectors, services
from apps.campaigns.downloads import csv_response
from apps.campaigns.forms import CampaignForm as BaseCampaignForm
from apps.campaigns.forms import PromotionForm, brand_search, product_label
from apps.campaigns.models import EDITABLE, Banner, Campaign, Coupon, Promotion
from apps.core.admin_mixins import QueueFilter as BaseQueueFilter
from apps.core.admin_mixins import ReadOnlyAdminMixin
from apps.core.models import Channel
from apps.core.widgets import select2_results
from apps.inventory.selectors import forecast_alpha, forecast_days
from apps.pricing.modifiers import awaiting_approval_included
from apps.pricing.selectors import prices_at
from apps.products import policies as catalog_policies
from apps.products import selectors as catalog_selectors
from apps.products.admin import product_filters
from apps.products.models import Product

S = Campaign.Status
PAGE = 200


def _report(admin_obj, request, call) -> bool:
    """Run a service; its refusal becomes the message the person reads. Guard rails that refuse are told
    one message per problem with its count, an example and the review page (not hundreds in a paragraph)."""
    try:
        call()
    except services.GuardRailsFailed as exc:
        campaign, errors = exc.campaign, exc.impact.errors
        review = reverse("admin:campaigns_campaign_review", args=[campaign.pk])
        admin_obj.message_user(
            request,
            _("%(code)s: %(count)d guard-rail error(s); nothing was submitted.")
            % {"code": campaign.code, "count": len(errors)},
            messages.ERROR,
        )
        for group in selectors.group_findings(errors):
            admin_obj.message_user(
                request,
                format_html(
                    '{}: {} — {} <a class="underline" href="{}">{}</a>',
                    group.label, group.count, _("e.g. %(example)s") % {"example": group.findings[0].shown},
                    review, _("see them all on the review page"),
                ),
                messages.ERROR,
            )  # fmt: skip
        return False
    except (ValidationError, PermissionDenied) as exc:
        text = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
        admin_obj.message_user(request, text, messages.ERROR)
        return False
    return True


class CampaignForm(BaseCampaignForm):
    """Times are typed as wall-clock times of the campaign's timezone (DST gaps and repeats refused)."""

    def clean(self):
        cleaned = super().clean()
        moved = {"starts_at", "ends_at", "timezone"} & set(self.changed_data)
        if moved and all(cleaned.get(f) for f in ("starts_at", "ends_at", "timezone")):
            try:
                services.window_check(
                    wall_time(cleaned["starts_at"]), wall_time(cleaned["ends_at"]), cleaned["timezone"]
                )
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    self.add_error(field if field in self.fields else None, errors)
        return cleaned


def wall_time(value: datetime) -> datetime:
    """What the person typed (the admin reads it in the current timezone), as a naive wall-clock time that
    the service reads in the campaign's own timezone."""
    return timezone.make_naive(value, timezone.get_current_timezone())


class PromotionInline(ReadOnlyAdminMixin, TabularInline):
    model = Promotion
    fields = ("code", "benefit", "value", "currency", "priority", "stacking", "target")
    readonly_fields = fields
    extra = 0
    show_change_link = True
    verbose_name_plural = _("promotions (add them from the promotions list)")

    @display(description=_("target"))
    def target(self, obj: Promotion) -> str:
        parts = [
            *(f"SKU {s}" for s in obj.skus), *(f"▸{c}" for c in obj.categories),
            *(f"family {f}" for f in obj.families), *(f"brand {b}" for b in obj.brands),
            *([f"filter {obj.product_filter}"] if obj.product_filter else []),
        ]  # fmt: skip
        return ", ".join(parts)


class CouponInline(ReadOnlyAdminMixin, TabularInline):
    model = Coupon
    fields = ("code", "usage_limit", "uses", "valid_from", "valid_until", "batch")
    readonly_fields = fields
    extra = 0
    per_page = 20
    verbose_name_plural = _("coupons")


class BannersFormSet(BaseInlineFormSet):
    """Saved through campaign_banners_set: the rows kept, in the order of their position."""

    actor = None

    def save(self, commit=True):
        self.new_objects, self.changed_objects, self.deleted_objects = [], [], []
        if not self.deleted_forms and not any(form.has_changed() for form in self.forms):
            return []
        kept = sorted(
            (form.cleaned_data.get("position") or 0, n, form.cleaned_data["asset"])
            for n, form in enumerate(self.forms)
            if form not in self.deleted_forms and form.cleaned_data.get("asset")
        )
        services.campaign_banners_set(
            actor=self.actor, campaign=self.instance, assets=[asset for *_order, asset in kept]
        )
        return []


class BannerInline(TabularInline):
    model = Banner
    formset = BannersFormSet
    fields = ("picture", "asset", "position")
    readonly_fields = ("picture",)
    extra = 0
    verbose_name_plural = _("banners (pictures from the DAM)")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "asset":
            return PictureField(required=True)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("asset")

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        return type("BannersFormSet", (formset,), {"actor": request.user})

    def has_change_permission(self, request, obj=None):
        editable = obj is None or obj.status in EDITABLE
        return editable and super().has_change_permission(request, obj)

    has_add_permission = has_delete_permission = has_change_permission

    @display(description=_("picture"))
    def picture(self, obj: Banner) -> str:
        return thumbnail_html(obj.asset) if obj.pk else "—"


class CampaignActionForm(ActionForm):
    comment = forms.CharField(
        label=_("comment"), required=False, widget=UnfoldAdminTextInputWidget(attrs={"size": 30})
    )
    count = forms.IntegerField(
        label=_("coupons to generate"), required=False, widget=UnfoldAdminIntegerFieldWidget()
    )
    prefix = forms.CharField(label=_("prefix"), required=False, widget=UnfoldAdminTextInputWidget())


class QueueFilter(BaseQueueFilter):
    queues = {"drafts": selectors.campaigns_drafts_of, "to_approve": selectors.campaigns_awaiting_approval_by}


@admin.register(Campaign)
class CampaignAdmin(ModelAdmin):
    form = CampaignForm
    action_form = CampaignActionForm
    list_display = ("code", "name", "status_badge", "window", "channel_list", "owner", "approver")
    list_filter = (QueueFilter, "status", "channels")
    search_fields = ("code", "name")
    list_select_related = ("owner", "approver")
    show_full_result_count = False
    inlines = [BannerInline, PromotionInline, CouponInline]
    actions = ["submit", "approve", "reject", "cancel", "generate_coupons"]
    readonly_fields = ("status", "owner", "approver", "rejection_comment", "findings_summary", "links")

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("channels")

    def get_fields(self, request, obj=None):
        fields = ["code", "name", "starts_at", "ends_at", "timezone", "channels", "notes"]
        return fields if obj is None else [*fields, *self.readonly_fields]

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.status not in EDITABLE:
            return [
                "code",
                "name",
                "starts_at",
                "ends_at",
                "timezone",
                "channels",
                "notes",
                *self.readonly_fields,
            ]
        return ["code", *self.readonly_fields] if obj is not None else []

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        common = {
            "name": data["name"], "notes": data.get("notes", ""),
            "starts_at": wall_time(data["starts_at"]), "ends_at": wall_time(data["ends_at"]),
        }  # fmt: skip
        if change:
            saved = services.campaign_update(
                actor=request.user, campaign=obj, timezone=data["timezone"], channels=list(data["channels"]),
                **common,
            )  # fmt: skip
        else:
            saved = services.campaign_create(
                actor=request.user, code=data["code"], tz=data["timezone"], channels=list(data["channels"]),
                **common,
            )  # fmt: skip
        obj.pk = saved.pk

    def save_related(self, request, form, formsets, change):
        """Channels were set by the service; only the (read-only) inlines remain."""
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def add_view(self, request, form_url="", extra_context=None):
        return self._guarded(
            request, lambda: super(CampaignAdmin, self).add_view(request, form_url, extra_context)
        )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        return self._guarded(
            request,
            lambda: super(CampaignAdmin, self).change_view(request, object_id, form_url, extra_context),
        )

    def _guarded(self, request, view):
        """A service refusal on save shows as a message on the form, not a server error."""
        try:
            return view()
        except ValidationError as exc:
            self.message_user(request, " ".join(exc.messages), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    @display(description=_("status"), label={
        S.DRAFT: "info", S.SUBMITTED: "warning", S.APPROVED: "success", S.SCHEDULED: "success",
        S.LIVE: "danger", S.ENDED: "info", S.CANCELLED: "info",
    })  # fmt: skip
    def status_badge(self, obj: Campaign) -> tuple[str, str]:
        return obj.status, obj.get_status_display()  # the label in the person's language, not the code

    @display(description=_("window"), ordering="starts_at")
    def window(self, obj: Campaign) -> str:
        zone = ZoneInfo(obj.timezone)
        start, end = obj.starts_at.astimezone(zone), obj.ends_at.astimezone(zone)
        return f"{start:%Y-%m-%d %H:%M} → {end:%Y-%m-%d %H:%M} ({obj.timezone})"

    @display(description=_("channels"))
    def channel_list(self, obj: Campaign) -> str:
        return ", ".join(sorted(c.code for c in obj.channels.all()))

    @display(description=_("guard rails"))
    def findings_summary(self, obj: Campaign) -> str:
        found = obj.findings or {}
        if not found:
            return "—"
        return (
            _(
                "%(errors)s error(s), %(warnings)s warning(s) on %(products)s product(s), "
                "checked %(checked_at)s"
            )
            % found
        )

    @display(description=_("pages"))
    def links(self, obj: Campaign) -> str:
        return format_html(
            '<a class="text-primary-600 underline" href="{}">{}</a> · '
            '<a class="text-primary-600 underline" href="{}">{}</a> · '
            '<a class="text-primary-600 underline" href="{}">{}</a> · '
            '<a class="text-primary-600 underline" href="{}">{}</a>',
            reverse("admin:campaigns_campaign_review", args=[obj.pk]), _("Review: prices and guard rails"),
            reverse("admin:campaigns_campaign_readiness", args=[obj.pk]), _("Readiness and stock-out risk"),
            reverse("admin:campaigns_campaign_preview", args=[obj.pk]), _("Preview at an instant"),
            reverse("admin:campaigns_campaign_coupons_csv", args=[obj.pk]), _("Coupons (CSV)"),
        )  # fmt: skip

    # --- actions: each calls a service per campaign ---------------------------------------------------

    def _each(self, request, queryset, call, done: str) -> None:
        ok = sum(_report(self, request, lambda c=c: call(c)) for c in queryset)
        if ok:
            self.message_user(request, done % {"count": ok}, messages.SUCCESS)

    @action(description=_("Submit for approval"), permissions=["submit"])
    def submit(self, request, queryset):
        self._each(request, queryset, lambda c: services.campaign_submit(actor=request.user, campaign=c),
                   _("%(count)d campaign(s) submitted."))  # fmt: skip

    @action(description=_("Approve"), permissions=["approve"])
    def approve(self, request, queryset):
        comment = request.POST.get("comment", "")
        self._each(request, queryset,
                   lambda c: services.campaign_approve(actor=request.user, campaign=c, comment=comment),
                   _("%(count)d campaign(s) approved."))  # fmt: skip

    @action(description=_("Reject with the comment given beside"), permissions=["approve"])
    def reject(self, request, queryset):
        comment = request.POST.get("comment", "")
        self._each(request, queryset,
                   lambda c: services.campaign_reject(actor=request.user, campaign=c, comment=comment),
                   _("%(count)d campaign(s) sent back."))  # fmt: skip

    @action(description=_("Cancel (a live campaign gives its prices back at once)"), permissions=["change"])
    def cancel(self, request, queryset):
        comment = request.POST.get("comment", "")
        self._each(request, queryset,
                   lambda c: services.campaign_cancel(actor=request.user, campaign=c, comment=comment),
                   _("%(count)d campaign(s) cancelled."))  # fmt: skip

    @action(description=_("Generate coupons (count and prefix beside)"), permissions=["change"])
    def generate_coupons(self, request, queryset):
        try:
            count = int(request.POST.get("count") or 0)
        except ValueError:
            count = 0
        prefix = request.POST.get("prefix", "")
        self._each(request, queryset,
                   lambda c: services.coupons_generate(
                       actor=request.user, campaign=c, count=count, prefix=prefix),
                   _("Coupons generated for %(count)d campaign(s)."))  # fmt: skip

    def has_submit_permission(self, request) -> bool:
        return request.user.has_perm("campaigns.submit_campaign")

    def has_approve_permission(self, request) -> bool:
        return request.user.has_perm("campaigns.approve_campaign")

    # --- pages ----------------------------------------------------------------------------------------

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("calendar/", view(self.calendar_view), name="campaigns_campaign_calendar"),
            path("<int:object_id>/review/", view(self.review_view), name="campaigns_campaign_review"),
            path("<int:object_id>/preview/", view(self.preview_view), name="campaigns_campaign_preview"),
            path(
                "<int:object_id>/readiness/", view(self.readiness_view), name="campaigns_campaign_readiness"
            ),
            path(
                "<int:object_id>/coupons.csv", view(self.coupons_csv), name="campaigns_campaign_coupons_csv"
            ),
            *super().get_urls(),
        ]

    def _campaign(self, request, object_id) -> Campaign:
        campaign = get_object_or_404(self.get_queryset(request), pk=object_id)
        if not self.has_view_permission(request, campaign):
            raise PermissionDenied
        return campaign

    def _page(self, request, title: str, template: str, **context):
        return TemplateResponse(
            request, f"admin/campaigns/campaign/{template}",
            {**self.admin_site.each_context(request), "opts": self.opts, "title": title, **context},
        )  # fmt: skip

    def review_view(self, request: HttpRequest, object_id: int):
        """The approver's page: every targeted product's old and new price per channel, the findings,
        and approve or reject with a comment."""
        campaign = self._campaign(request, object_id)
        if request.method == "POST":
            comment = request.POST.get("comment", "")
            verb = request.POST.get("decision")
            call = services.campaign_approve if verb == "approve" else services.campaign_reject
            if _report(self, request, lambda: call(actor=request.user, campaign=campaign, comment=comment)):
                self.message_user(request, _("Decision recorded."), messages.SUCCESS)
            return HttpResponseRedirect(request.path)
        impact = selectors.campaign_impact(campaign, now=timezone.now())
        groups = [
            (group, f"{reverse('admin:products_product_changelist')}?"
                    f"{urlencode({CampaignFindingFilter.parameter_name: f'{campaign.pk}:{group.rule}'})}")
            for group in selectors.group_findings(impact.findings)
        ]  # fmt: skip
        may_approve = campaign.status == S.SUBMITTED and self.has_approve_permission(request)
        refusal = services.campaign_approval_refusal(campaign, request.user) if may_approve else None
        changes = Paginator(impact.changes, PAGE).get_page(request.GET.get("page"))
        return self._page(
            request, _("Review of %(code)s") % {"code": campaign.code}, "review.html", original=campaign,
            changes=changes, groups=groups, shown=PAGE,
            error_count=len(impact.errors), warning_count=len(impact.warnings),
            can_decide=may_approve and refusal is None, refusal=refusal,
        )  # fmt: skip

    def preview_view(self, request: HttpRequest, object_id: int):
        """Prices per channel at a chosen instant, from apps.pricing.selectors.prices_at: the same
        computation the switch stores when that instant comes."""
        campaign = self._campaign(request, object_id)
        zone = ZoneInfo(campaign.timezone)
        at = max(campaign.starts_at, timezone.now())
        try:
            typed = parse_datetime(request.GET.get("at", "") or "")
            if typed:
                at = services.localize(typed, campaign.timezone, "at")
        except ValueError:
            self.message_user(request, _("That is not a date and time."), messages.ERROR)
        except ValidationError as exc:
            self.message_user(request, " ".join(exc.messages), messages.ERROR)
        products = Paginator([f.product_id for f in selectors.campaign_products(campaign)], PAGE).get_page(
            request.GET.get("page")
        )
        ids = list(products.object_list)
        skus = dict(Product.objects.filter(pk__in=ids).values_list("pk", "sku"))
        channels = []
        awaiting = request.GET.get("awaiting") == "1"
        with awaiting_approval_included(awaiting):
            for channel in campaign.channels.order_by("code"):
                priced = prices_at(ids, channel, at)
                channels.append(
                    (channel, [(skus[pid], priced.get(pid)) for pid in sorted(ids, key=skus.get)])
                )
        return self._page(
            request, _("Preview of %(code)s") % {"code": campaign.code}, "preview.html", original=campaign,
            at=at.astimezone(zone), at_input=at.astimezone(zone).strftime("%Y-%m-%dT%H:%M"),
            channels=channels,
            products=products, awaiting=awaiting,
            applies=campaign.status in (S.APPROVED, S.SCHEDULED, S.LIVE, S.ENDED)
            or (awaiting and campaign.status == S.SUBMITTED),
        )  # fmt: skip

    def readiness_view(self, request: HttpRequest, object_id: int):
        """Per targeted product and channel: approved, complete, in stock, picture valid; per product the
        stock-out risk until the end with the numbers behind it. `?problem=` keeps one kind of problem."""
        campaign = self._campaign(request, object_id)
        readiness = selectors.campaign_readiness(campaign, now=timezone.now())
        problem = request.GET.get("problem", "")
        products = readiness.products
        if problem in selectors.PROBLEMS:
            products = [(pid, sku) for pid, sku in products if readiness.has_problem(pid, problem)]
        page = Paginator(products, PAGE).get_page(request.GET.get("page"))
        rows = [
            (sku, readiness.risks[pid], [(c, readiness.checks[(pid, c.pk)]) for c in readiness.channels])
            for pid, sku in page.object_list
        ]
        return self._page(
            request, _("Readiness of %(code)s") % {"code": campaign.code}, "readiness.html",
            original=campaign, readiness=readiness, rows=rows, products=page, problem=problem,
            problems=[(p, selectors.PROBLEMS[p], n) for p, n in readiness.counts().items()],
            alpha=forecast_alpha(), days=forecast_days(),
        )  # fmt: skip

    def coupons_csv(self, request: HttpRequest, object_id: int):
        campaign = self._campaign(request, object_id)
        if not request.user.has_perm("campaigns.view_coupon"):
            raise PermissionDenied
        return csv_response(selectors.coupons_export_rows(campaign), f"coupons-{campaign.code}.csv")

    def calendar_view(self, request: HttpRequest):
        """Month or week, optionally one channel: each day lists its campaigns; days where two campaigns
        share a channel are marked."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        zone = timezone.get_current_timezone()
        mode = "week" if request.GET.get("view") == "week" else "month"
        today = timezone.localdate()
        try:
            anchor = date.fromisoformat(request.GET.get("date", ""))
        except ValueError:
            anchor = selectors.campaign_next_day(zone) or today
        channel = request.GET.get("channel", "")
        if mode == "month":
            weeks = calendar.Calendar().monthdatescalendar(anchor.year, anchor.month)
            days = [d for week in weeks for d in week]
            previous = (anchor.replace(day=1) - timedelta(days=1)).replace(day=1)
            following = (anchor.replace(day=28) + timedelta(days=4)).replace(day=1)
            month = anchor.month
        else:
            monday = anchor - timedelta(days=anchor.weekday())
            days = [monday + timedelta(days=i) for i in range(7)]
            previous, following, month = monday - timedelta(days=7), monday + timedelta(days=7), 0
        cells = selectors.campaign_calendar(days, zone, channel=channel, month=month)
        return self._page(
            request, _("Campaign calendar"), "calendar.html", mode=mode, anchor=anchor,
            weeks=[cells[i:i + 7] for i in range(0, len(cells), 7)], channel=channel,
            channels=Channel.objects.order_by("code"), previous=previous, following=following,
            weekdays=[date_format(day, "D") for day in days[:7]],  # Monday first, in the person's language
            today=today,
        )  # fmt: skip


class CampaignFindingFilter(admin.SimpleListFilter):
    """The products of one guard-rail finding of a campaign (`?campaign_finding=<campaign id>:<rule>`), the
    review page's link from each group of findings."""

    title = _("campaign guard rail")
    parameter_name = "campaign_finding"

    def _chosen(self, request) -> tuple[Campaign, str] | None:
        campaign_id, _sep, rule = (self.value() or "").partition(":")
        if not campaign_id.isdigit() or rule not in selectors.RULES:
            return None
        if not request.user.has_perm("campaigns.view_campaign"):
            return None
        campaign = Campaign.objects.filter(pk=int(campaign_id)).first()
        return (campaign, rule) if campaign is not None else None

    def lookups(self, request, model_admin):
        chosen = self._chosen(request)
        if chosen is None:
            return []
        campaign, rule = chosen
        return [(self.value(), f"{campaign.code} · {selectors.RULES[rule]}")]

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        chosen = self._chosen(request)
        if chosen is None:
            return queryset.none()
        campaign, rule = chosen
        impact = selectors.campaign_impact(campaign, now=timezone.now())
        return queryset.filter(sku__in={f.sku for f in impact.findings if f.rule == rule})


product_filters.append(CampaignFindingFilter)


def _page_number(request: HttpRequest) -> int:
    page = request.GET.get("page", "1")
    return min(int(page), 50) if page.isdigit() and int(page) > 0 else 1


def _promotion_input(data: dict) -> dict:
    """The form's fields as promotion_add and promotion_update take them."""
    buy_free = (data["buy_quantity"] or 0, data["free_quantity"] or 0) if data.get("buy_x_get_y") else None
    return {
        "name": data.get("name", ""), "benefit": data["benefit"], "value": data["value"],
        "currency": data["currency"].code if data.get("currency") else None,
        "skus": data.get("skus") or [], "categories": data.get("categories") or [],
        "families": data.get("families") or [], "brands": data.get("brands") or [],
        "product_filter": data.get("product_filter") or {},
        "overrides": {k: tuple(v) for k, v in (data.get("overrides") or {}).items()},
        "priority": data.get("priority") or 0, "stacking": data["stacking"], "buy_x_get_y": buy_free,
    }  # fmt: skip


@admin.register(Promotion)
class PromotionAdmin(ModelAdmin):
    """Promotions of a draft are added, edited and removed through the services (all checks); editing
    a submission sends its campaign back to draft."""

    form = PromotionForm
    list_display = ("code", "campaign", "benefit", "value", "currency", "priority", "stacking")
    list_filter = ("benefit", "stacking")
    search_fields = ("code", "campaign__code")
    list_select_related = ("campaign",)
    show_full_result_count = False

    def has_change_permission(self, request, obj=None):
        editable = obj is None or obj.campaign.status in EDITABLE
        return editable and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        editable = obj is None or obj.campaign.status in EDITABLE
        return editable and super().has_delete_permission(request, obj)

    def get_fieldsets(self, request, obj=None):
        if obj is not None and not self.has_change_permission(request, obj):
            # read only past submission: the overrides shown, not the manager of that name (a 500)
            return [(None, {"fields": [*PromotionForm.Meta.fields, "target_filter", "channel_benefits"]})]
        channels = list(Channel.objects.order_by("code").values_list("code", flat=True))
        return [
            (None, {"fields": ["campaign", "code", "name"]}),
            (_("Products it applies to (any of them)"), {
                "fields": ["skus", "categories", "families", "brands"]
            }),
            (_("Only those that also match (all of these)"), {"fields": PromotionForm.FILTER_FIELDS}),
            (_("Discount"), {"fields": [
                ("benefit", "value"), "currency", ("confirm", "confirm_high"), ("priority", "stacking"),
                "buy_x_get_y", ("buy_quantity", "free_quantity"),
            ]}),
            (_("Another benefit on a channel"), {"fields": [
                (f"override_benefit__{code}", f"override_value__{code}") for code in channels
            ]}),
        ]  # fmt: skip

    def get_form(self, request, obj=None, change=False, **kwargs):
        # the model's fields; the form adds its own (pickers, filters, a benefit per channel)
        kwargs["fields"] = PromotionForm.Meta.fields
        form = super().get_form(request, obj, change=change, **kwargs)
        return type(form.__name__, (form,), {"actor": request.user})

    @display(description=_("only those that also match"))
    def target_filter(self, obj: Promotion) -> str:
        found = obj.product_filter or {}
        names = {"family": _("families"), "category": _("categories"), "brand": _("brands"),
                 "sku_prefix": _("SKU starts with"), "status": _("status")}  # fmt: skip
        parts = [
            f"{names.get(key, key)}: {', '.join(value) if isinstance(value, list) else value}"
            for key, value in sorted(found.items())
        ]
        return "; ".join(parts) or "—"

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("pick/products/", view(self.pick_products), name="campaigns_promotion_pick_products"),
            path("pick/brands/", view(self.pick_brands), name="campaigns_promotion_pick_brands"),
            *super().get_urls(),
        ]

    PICKED = 20

    def _may_pick(self, request) -> None:
        if not (self.has_add_permission(request) or self.has_change_permission(request)):
            raise PermissionDenied

    def pick_products(self, request: HttpRequest) -> JsonResponse:
        """The picker's products: those the person may see, by SKU or words of the name."""
        self._may_pick(request)
        term, page = request.GET.get("term", "").strip()[:100], _page_number(request)
        found = catalog_policies.visible_products(request.user, Product.objects.all())
        found = catalog_selectors.product_search(found, term) if term else found
        rows = list(
            found.select_related("family__label_attribute", "parent__parent").order_by("sku")[
                (page - 1) * self.PICKED : page * self.PICKED + 1
            ]
        )
        return JsonResponse(select2_results(
            [{"id": p.sku, "text": product_label(p)} for p in rows[: self.PICKED]], len(rows) > self.PICKED
        ))  # fmt: skip

    def pick_brands(self, request: HttpRequest) -> JsonResponse:
        self._may_pick(request)
        term, page = request.GET.get("term", "").strip()[:70], _page_number(request)
        brands = brand_search(request.user, term, page * self.PICKED + 1)[(page - 1) * self.PICKED :]
        return JsonResponse(
            select2_results([{"id": b, "text": b} for b in brands[: self.PICKED]], len(brands) > self.PICKED)
        )

    @display(description=_("per-channel benefit"))
    def channel_benefits(self, obj: Promotion) -> str:
        overrides = obj.overrides.select_related("channel").order_by("channel__code")
        return format_html_join(
            mark_safe("<br>"), "{}: {} {}",
            ((o.channel.code, o.get_benefit_display(), f"{o.value.normalize():f}") for o in overrides),
        ) or "-"  # fmt: skip

    def get_readonly_fields(self, request, obj=None):
        return ["campaign", "code"] if obj is not None else []

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "campaign":
            kwargs["queryset"] = Campaign.objects.filter(status__in=EDITABLE)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        confirm = data.get("confirm", False)
        if change:
            services.promotion_update(
                actor=request.user, promotion=obj, confirm=confirm, **_promotion_input(data)
            )
            return
        saved = services.promotion_add(
            actor=request.user, campaign=data["campaign"], code=data["code"], confirm=confirm,
            **_promotion_input(data),
        )  # fmt: skip
        obj.pk = saved.pk

    def add_view(self, request, form_url="", extra_context=None):
        return self._guarded(
            request, lambda: super(PromotionAdmin, self).add_view(request, form_url, extra_context)
        )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        return self._guarded(
            request,
            lambda: super(PromotionAdmin, self).change_view(request, object_id, form_url, extra_context),
        )

    _guarded = CampaignAdmin._guarded

    def delete_model(self, request, obj):
        services.promotion_remove(actor=request.user, promotion=obj)

    def delete_queryset(self, request, queryset):
        """The list's "delete selected" too goes through the service, one promotion at a time: a
        submission goes back to draft, its remover counts for four eyes, a running campaign refuses."""
        remove = services.promotion_remove
        for promotion in queryset.select_related("campaign"):
            _report(self, request, lambda p=promotion: remove(actor=request.user, promotion=p))


@admin.register(Coupon)
class CouponAdmin(ReadOnlyAdminMixin, ModelAdmin):
    list_display = ("code", "campaign", "usage_limit", "uses", "valid_from", "valid_until", "batch")
    list_filter = ("campaign",)
    search_fields = ("code",)
    list_select_related = ("campaign",)
    show_full_result_count = False
