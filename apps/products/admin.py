from __future__ import annotations

from collections.abc import Callable

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.options import InlineModelAdmin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import OuterRef, Subquery
from django.http import HttpRequest, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin, TabularInline
from unfold.decorators import action, display
from unfold.forms import ActionForm
from unfold.widgets import UnfoldAdminSelectWidget

from apps.core import context
from apps.core.admin_mixins import ObjectPermissionsAdminMixin
from apps.core.admin_mixins import QueueFilter as BaseQueueFilter
from apps.core.models import Channel, Locale
from apps.products import flat, policies, selectors, services
from apps.products import values as vals
from apps.products.admin_list import BrandFilter, ProductListMixin, UpdatedSinceFilter
from apps.products.forms import ProductForm
from apps.products.models import (
    AssociationType,
    Attribute,
    AttributeGroup,
    AttributeOption,
    Category,
    Completeness,
    Family,
    FamilyRequirement,
    FamilyVariant,
    MeasurementFamily,
    MeasurementUnit,
    PendingChange,
    Product,
)

BASE_FIELDS = ["sku", "gtin", "family", "family_variant", "parent", "is_model", "enabled"]

# Upper apps add inlines to the product form (pictures…) and bulk actions to the product list (quality
# re-check…) here; the catalog never imports them.
product_inlines: list[type[InlineModelAdmin]] = []
product_actions: list[Callable] = []
# ...and list filters (a campaign's guard-rail finding…), shown after the catalog's own.
product_filters: list[type[admin.ListFilter]] = []
# ...and what follows a save of the product form, in its transaction (the quality score re-checked, so
# that the page shown after saving tells the product's current score).
product_saved: list[Callable[[HttpRequest, Product], None]] = []


class ExportForm(forms.Form):
    """What the flat export of a selection holds; nothing chosen in a list means all of it."""

    file_format = forms.ChoiceField(
        label=_("Format"), choices=[("csv", "CSV"), ("xlsx", "XLSX")], widget=UnfoldAdminSelectWidget
    )
    delimiter = forms.ChoiceField(
        label=_("CSV delimiter"), choices=[(";", ";"), (",", ",")], widget=UnfoldAdminSelectWidget
    )
    # not "attributes": an input of that name hides the form's DOM attributes from Alpine and htmx
    attribute_codes = forms.MultipleChoiceField(
        label=_("Attributes"), required=False,
        widget=forms.SelectMultiple(attrs={"size": 12, "class": "border border-base-200 rounded-default"}),
        help_text=_("None chosen: every attribute. The identifying columns (sku, family…) are always there"),
    )  # fmt: skip
    locales = forms.MultipleChoiceField(
        label=_("Locales"), required=False, widget=forms.CheckboxSelectMultiple,
        help_text=_("None chosen: every locale"),
    )  # fmt: skip
    channels = forms.MultipleChoiceField(
        label=_("Channels"), required=False, widget=forms.CheckboxSelectMultiple,
        help_text=_("None chosen: every channel"),
    )  # fmt: skip

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        attributes = Attribute.objects.order_by("code")
        self.fields["attribute_codes"].choices = [(a.code, f"{a.code} — {a}") for a in attributes]
        self.fields["locales"].choices = list(
            Locale.objects.filter(is_active=True).order_by("code").values_list("code", "code")
        )
        self.fields["channels"].choices = list(Channel.objects.order_by("code").values_list("code", "name"))


class AttributeOptionInline(TabularInline):
    model = AttributeOption
    extra = 0
    fields = ("code", "labels", "sort_order")


@admin.register(Attribute)
class AttributeAdmin(ModelAdmin):
    list_display = ("code", "label", "type", "group", "localizable", "scopable", "unique")
    list_filter = ("type", "group", "localizable", "scopable")
    search_fields = ("code",)
    list_select_related = ("group",)
    inlines = [AttributeOptionInline]

    def get_readonly_fields(self, request, obj=None):
        """Type and uniqueness are chosen once, when the attribute is created (see `setup.attribute_save`)."""
        fields = super().get_readonly_fields(request, obj)
        return (*fields, "type", "unique") if obj is not None else fields


@admin.register(AttributeGroup)
class AttributeGroupAdmin(ModelAdmin):
    list_display = ("code", "label", "sort_order")


class MeasurementUnitInline(TabularInline):
    model = MeasurementUnit
    extra = 0


@admin.register(MeasurementFamily)
class MeasurementFamilyAdmin(ModelAdmin):
    list_display = ("code", "label", "standard_unit")
    inlines = [MeasurementUnitInline]


class FamilyRequirementInline(TabularInline):
    model = FamilyRequirement
    extra = 0
    autocomplete_fields = ("attribute",)


class FamilyForm(forms.ModelForm):
    """The model's `attributes` posted as `attribute_set`: an input named "attributes" hides the form's DOM
    `attributes` from Alpine and htmx, which then throw and leave the page blank."""

    HTML_NAMES = {"attributes": "attribute_set"}

    def add_prefix(self, field_name: str) -> str:
        return super().add_prefix(self.HTML_NAMES.get(field_name, field_name))


@admin.register(Family)
class FamilyAdmin(ModelAdmin):
    form = FamilyForm
    list_display = ("code", "label")
    search_fields = ("code",)
    filter_horizontal = ("attributes",)
    inlines = [FamilyRequirementInline]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        services.family_record_change(
            actor=request.user, family=form.instance, diff={"fields": form.changed_data}
        )


@admin.register(FamilyVariant)
class FamilyVariantAdmin(ModelAdmin):
    list_display = ("code", "family")
    list_select_related = ("family",)
    filter_horizontal = ("axes", "variant_attributes", "sub_axes", "sub_attributes")


@admin.register(AssociationType)
class AssociationTypeAdmin(ModelAdmin):
    list_display = ("code", "label")


@admin.register(Category)
class CategoryAdmin(ObjectPermissionsAdminMixin, ModelAdmin):
    """The tree in path order, indented, with product counts per subtree; moves go through the service."""

    list_display = ("indented", "code", "products")
    search_fields = ("code",)
    ordering = ("path",)
    fields = ("code", "labels", "parent_code")
    readonly_fields = ()
    show_full_result_count = False

    def get_changelist_instance(self, request):
        self._counts = selectors.category_product_counts()
        return super().get_changelist_instance(request)

    def has_change_permission(self, request, obj=None):
        """A limited merchandiser changes the categories of their subtrees only."""
        allowed = super().has_change_permission(request, obj)
        scope = policies.category_scope(request.user)
        return allowed and (obj is None or scope is None or obj.code in scope)

    @display(description=_("category"))
    def indented(self, obj: Category) -> str:
        return format_html("{}{}", "\u2003" * (obj.depth - 1), obj)

    @display(description=_("products"))
    def products(self, obj: Category) -> int:
        return self._counts.get(obj.code, 0)

    def get_form(self, request, obj=None, **kwargs):
        from django import forms

        parent = Category.objects.get_parent(obj) if obj else None
        current = parent.code if parent else ""
        user = request.user

        class CategoryForm(forms.ModelForm):
            parent_code = forms.ChoiceField(
                label=_("parent"),
                required=False,
                initial=current,
                choices=[
                    *([] if policies.category_scope(user) is not None else [("", "—")]),
                    *((c.code, f"{'— ' * (c.depth - 1)}{c}") for c in policies.category_choices(user)),
                ],
            )

            class Meta:
                model = Category
                fields = ("code", "labels")

            def clean(self):
                cleaned = super().clean()
                parent_code = cleaned.get("parent_code") or None
                target = Category.objects.filter(code=parent_code).first() if parent_code else None
                moved = obj is None or parent_code != (current or None)
                code = obj.code if obj is not None else cleaned.get("code") or ""
                refusal = (
                    policies.category_refusal(user, code=code, parent=target, exists=obj is not None)
                    if moved
                    else None
                )
                if refusal:
                    self.add_error("parent_code", refusal)
                return cleaned

        return CategoryForm

    def save_model(self, request, obj, form, change):
        parent_code = form.cleaned_data.get("parent_code") or None
        parent = Category.objects.get(code=parent_code) if parent_code else None
        if not change:
            saved = services.category_create(
                actor=request.user, code=obj.code, parent=parent, labels=obj.labels
            )
            obj.pk = saved.pk
            return
        Category.objects.filter(pk=obj.pk).update(labels=obj.labels)
        old_parent = Category.objects.get_parent(Category.objects.get(pk=obj.pk))
        if (old_parent.code if old_parent else None) != parent_code:
            try:
                services.category_move(actor=request.user, category=obj, parent=parent)
            except ValidationError as exc:
                self.message_user(request, " ".join(exc.messages), messages.ERROR)


class IncompleteFilter(admin.SimpleListFilter):
    title = _("not complete for")
    parameter_name = "incomplete"

    def lookups(self, request, model_admin):
        return [
            (f"{channel}:{locale}", f"{channel} · {locale}")
            for channel, locale in Channel.objects.filter(locales__isnull=False)
            .values_list("code", "locales__code")
            .order_by("code", "locales__code")
        ]

    def queryset(self, request, queryset):
        if not self.value() or ":" not in self.value():
            return queryset
        channel, locale = self.value().split(":", 1)
        return selectors.products_incomplete(queryset, channel=channel, locale=locale)


class MissingImageFilter(admin.SimpleListFilter):
    title = _("main image")
    parameter_name = "image"

    def lookups(self, request, model_admin):
        return [("missing", _("Missing"))]

    def queryset(self, request, queryset):
        return selectors.products_missing_image(queryset) if self.value() == "missing" else queryset


class PendingFilter(admin.SimpleListFilter):
    """Approved products with an edit waiting: any, submitted for approval, or not submitted yet."""

    title = _("pending change")
    parameter_name = "pending"

    def lookups(self, request, model_admin):
        return [
            ("any", _("Has a pending change")),
            ("submitted", _("Submitted")),
            ("draft", _("Not submitted")),
        ]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "any":
            return queryset.filter(pending_change__isnull=False)
        if value in ("submitted", "draft"):
            return queryset.filter(pending_change__submitted=value == "submitted")
        return queryset


class QueueFilter(BaseQueueFilter):
    queues = {"drafts": selectors.products_drafts_of, "to_approve": selectors.products_awaiting_approval_by}


class _CategoryCode(forms.ChoiceField):
    """Offers the person's categories; any code passes here so that the service says why it is refused
    (unknown, or another team's), naming it."""

    def valid_value(self, value) -> bool:
        return True


class ProductActionForm(ActionForm):
    """The action bar, with the category that "Add to category" assigns."""

    category = _CategoryCode(label=_("category"), required=False, widget=UnfoldAdminSelectWidget())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        offered = policies.category_choices(context.viewer.get())
        self.fields["category"].choices = [("", "—"), *((c.code, str(c)) for c in offered)]


class CategoryFilter(admin.SimpleListFilter):
    title = _("category (with subcategories)")
    parameter_name = "category"

    def lookups(self, request, model_admin):
        return [(c.code, f"{'— ' * (c.depth - 1)}{c}") for c in Category.objects.order_by("path")]

    def queryset(self, request, queryset):
        return selectors.products_in_category(queryset, self.value()) if self.value() else queryset


@admin.register(Product)
class ProductAdmin(ProductListMixin, ModelAdmin):
    form = ProductForm
    list_display = (
        "sku",
        "display_name",
        "family",
        "status_badge",
        "pending_badge",
        "completeness_badges",
        "chosen_completeness",
        "enabled",
        "updated_at",
    )
    list_select_related = ("family", "family__label_attribute")
    list_filter = (
        QueueFilter,
        "status",
        PendingFilter,
        "family",
        CategoryFilter,
        IncompleteFilter,
        MissingImageFilter,
        BrandFilter,
        UpdatedSinceFilter,
        "enabled",
        "is_model",
    )
    action_form = ProductActionForm
    search_fields = ("sku",)
    search_help_text = _("SKU, GTIN or words of the name in any language")
    show_full_result_count = False
    list_per_page = 50
    ordering = ("sku",)
    readonly_fields = ("status", "version", "completeness_summary", "history_link", "pending_summary")
    autocomplete_fields = ("parent",)
    actions = [
        "submit_selected", "approve_selected", "retire_selected", "add_to_category", "export_selection",
        "edit_values",
    ]  # fmt: skip

    def get_queryset(self, request):
        channel, locale = self._completeness_pair(request)
        return (
            policies.visible_products(request.user, super().get_queryset(request))
            .defer("search_text")
            .select_related("completeness", *self.list_select_related)  # the list's own is then skipped
            .annotate(
                chosen_ratio=selectors.completeness_ratio(channel=channel, locale=locale),
                # None: no pending change; else whether it is submitted (the list's badge, no query per row)
                pending_submitted=Subquery(
                    PendingChange.objects.filter(product=OuterRef("pk")).values("submitted")[:1]
                ),
            )
        )

    @staticmethod
    def _completeness_pair(request) -> tuple[str, str]:
        """The channel and locale the sortable completeness column shows: the filter's, else the first."""
        chosen = request.GET.get(IncompleteFilter.parameter_name, "")
        if ":" in chosen:
            channel, locale = chosen.split(":", 1)
            return channel, locale
        first = (
            Channel.objects.filter(locales__isnull=False)
            .values_list("code", "locales__code")
            .order_by("code", "locales__code")
            .first()
        )
        return first or ("", "")

    def get_list_filter(self, request):
        return [*super().get_list_filter(request), *product_filters]

    def get_search_results(self, request, queryset, search_term):
        return selectors.product_search(queryset, search_term), False

    # list columns -------------------------------------------------------------------------------------

    @display(description=_("name"))
    def display_name(self, obj: Product) -> str:
        code = obj.family.label_attribute.code if obj.family.label_attribute_id else "name"
        language = (get_language() or "en")[:2]
        by_locale = obj.values.get(code) or {}
        for locale in sorted(by_locale, key=lambda loc: not loc.startswith(language)):
            value = vals.value_of(obj.values, code, locale)
            if value:
                return value
        return "—"

    @display(
        description=_("status"),
        label={"draft": "info", "in_review": "warning", "approved": "success", "retired": "danger"},
    )
    def status_badge(self, obj: Product) -> tuple[str, str]:
        return obj.status, obj.get_status_display()

    @display(description=_("pending change"), label={"submitted": "warning", "draft": "info"})
    def pending_badge(self, obj: Product) -> tuple[str, str] | str:
        submitted = getattr(obj, "pending_submitted", None)
        if submitted is None:
            return ""
        if submitted:
            return "submitted", _("Pending change (submitted)")
        return "draft", _("Pending change (not submitted)")

    @display(description=_("completeness"))
    def completeness_badges(self, obj: Product) -> str:
        """One badge per channel with its weakest locale; the tooltip lists what is missing where."""
        try:
            stored = obj.completeness
        except Completeness.DoesNotExist:
            return ""
        badges = []
        for channel, scores in stored.by_channel():
            lowest = min(score.ratio for _locale, score in scores)
            detail = "; ".join(
                f"{locale} {score.ratio}%" + (f": {', '.join(score.missing)}" if score.missing else "")
                for locale, score in scores
            )
            badges.append(("ok" if lowest == 100 else "ko", detail, channel, lowest))
        return format_html_join(" ", '<span class="noel-badge {}" title="{}">{} {}%</span>', badges)

    # form -------------------------------------------------------------------------------------------------

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or policies.can_change(request.user, obj))

    def get_inlines(self, request, obj):
        """Upper apps add inlines (prices, stock, pictures); a product being created has none yet."""
        return [*self.inlines, *product_inlines] if obj is not None else []

    def get_form(self, request, obj=None, change=False, **kwargs):
        kwargs["fields"] = BASE_FIELDS
        form = super().get_form(request, obj, change=change, **kwargs)
        return type(form.__name__, (form,), {"actor": request.user})

    def changelist_view(self, request, extra_context=None):
        """The action bar's category choices are the person's (see ProductActionForm)."""
        with context.viewing(request.user):
            return super().changelist_view(request, extra_context)

    def get_fieldsets(self, request, obj=None):
        base = [
            (
                None,
                {
                    "fields": [
                        ("sku", "gtin"),
                        ("family", "enabled"),
                        ("is_model", "family_variant"),
                        "parent",
                    ]
                },
            )
        ]
        if obj is None:
            base[0][1]["fields"].append("categories")
            return base
        form = ProductForm(instance=obj)
        if PendingChange.objects.filter(product=obj).exists():
            base[0][1]["fields"].insert(0, "pending_summary")
        base[0][1]["fields"] += [
            "categories",
            "expected_version",
            ("status", "version"),
            "completeness_summary",
            "history_link",
        ]
        tabs = [(group, {"fields": rows, "classes": ["tab"]}) for group, rows in form.value_groups]
        if form.association_fields:
            tabs.append((_("Associations"), {"fields": form.association_fields, "classes": ["tab"]}))
        return [*base, *tabs]

    @display(description=_("completeness for the filter"), ordering="chosen_ratio")
    def chosen_completeness(self, obj: Product) -> str:
        return "—" if obj.chosen_ratio is None else f"{obj.chosen_ratio} %"

    @display(description=_("completeness"))
    def completeness_summary(self, obj: Product) -> str:
        """The badges, and which channels count another's scoped values (as their feeds send them)."""
        taking = [
            (code, ", ".join(chain[1:])) for code, chain in sorted(vals.channel_chains().items()) if chain[1:]
        ]
        if not taking:
            return self.completeness_badges(obj)
        said = format_html_join(
            "; ",
            "{}",
            [(_("%(channel)s takes %(sources)s") % {"channel": c, "sources": s},) for c, s in taking],
        )
        return format_html(
            '{}<div class="noel-chain text-xs mt-1">{} {}</div>',
            self.completeness_badges(obj),
            _("Where a channel has no value of its own:"),
            said,
        )

    @display(description=_("pending change"))
    def pending_summary(self, obj: Product) -> str:
        pending = PendingChange.objects.select_related("author").filter(product=obj).first()
        if pending is None:
            return "—"
        state = _("submitted for approval") if pending.submitted else _("not submitted")
        return format_html(
            '<span class="noel-pending-note font-semibold text-amber-700">{}</span> '
            '<a class="text-primary-600 underline" href="{}">{}</a>',
            _("This approved product has a pending change by %(author)s, %(state)s. The form shows the "
              "pending values; each changed field says its live value, which channels keep serving until "
              "the change is approved.") % {"author": pending.author.get_username(), "state": state},
            reverse("admin:products_product_pending") + "?all=1", _("Pending changes queue"),
        )  # fmt: skip

    @display(description=_("history"))
    def history_link(self, obj: Product) -> str:
        url = reverse("admin:products_product_versions", args=[obj.pk])
        return format_html(
            '<a class="text-primary-600 underline" href="{}">{}</a>',
            url,
            _("Versions, differences and revert"),
        )

    def save_model(self, request, obj, form, change):
        if change:
            current = Product.objects.get(pk=obj.pk)
            saved = services.product_update(
                actor=request.user,
                product=current,
                expected_version=form.cleaned_data["expected_version"],
                changes=form.changes(),
            )
            if saved.status == Product.Status.APPROVED and saved.version != current.version:
                self.message_user(
                    request,
                    _("%(sku)s is approved: your edit is kept as a pending change, and the live data is "
                      "unchanged until it is approved. Submit it for approval from the product list.")
                    % {"sku": saved.sku},
                    messages.WARNING,
                )  # fmt: skip
        else:
            data = form.cleaned_data
            saved = services.product_create(
                actor=request.user,
                sku=data["sku"],
                family=data["family"],
                gtin=data.get("gtin"),
                parent=data.get("parent"),
                family_variant=data.get("family_variant"),
                is_model=data.get("is_model", False),
                enabled=data.get("enabled", True),
                categories=data.get("categories") or [],
            )
        form.instance = saved
        obj.pk = saved.pk

    def save_related(self, request, form, formsets, change):
        """Categories and values were written by the service in save_model; the inlines are read-only."""
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)
        for after_save in product_saved:
            after_save(request, form.instance)

    # history ---------------------------------------------------------------------------------------------

    def get_urls(self):
        return [
            path("pending/", self.admin_site.admin_view(self.pending_view), name="products_product_pending"),
            path(
                "<path:object_id>/versions/",
                self.admin_site.admin_view(self.versions_view),
                name="products_product_versions",
            ),
            *super().get_urls(),
        ]

    def versions_view(self, request: HttpRequest, object_id: str):
        product = get_object_or_404(self.get_queryset(request), pk=object_id)
        if not self.has_view_permission(request, product):
            raise PermissionDenied
        if request.method == "POST":
            if not self.has_change_permission(request, product):
                raise PermissionDenied
            try:
                services.product_revert(
                    actor=request.user, product=product, event_id=int(request.POST["event_id"])
                )
                self.message_user(request, _("Reverted; the revert is a new version."), messages.SUCCESS)
            except ValidationError as exc:
                self.message_user(request, " ".join(exc.messages), messages.ERROR)
            return HttpResponseRedirect(request.path)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": product,
            "title": _("Versions of %(sku)s") % {"sku": product.sku},
            "versions": selectors.product_versions(product),
            "can_revert": self.has_change_permission(request, product),
        }
        return TemplateResponse(request, "admin/products/product/versions.html", context)

    def pending_view(self, request: HttpRequest):
        """The approver's queue: products whose approved data has an edit waiting, each with its diff (field,
        locale, channel, live → pending), approved or sent back here through the services (four eyes)."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        if request.method == "POST":
            chosen = request.POST.get("product", "")
            product = get_object_or_404(self.get_queryset(request), pk=int(chosen) if chosen.isdigit() else 0)
            decision, comment = request.POST.get("decision"), request.POST.get("comment", "")
            try:
                if decision == "approve":
                    services.product_approve(actor=request.user, product=product, comment=comment)
                    done = _("%(sku)s approved: its change is live.")
                else:
                    services.product_reject(actor=request.user, product=product, comment=comment)
                    done = _("%(sku)s sent back to its author.")
                self.message_user(request, done % {"sku": product.sku}, messages.SUCCESS)
            except (ValidationError, PermissionDenied) as exc:
                self.message_user(request, " ".join(getattr(exc, "messages", [str(exc)])), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())
        everything = request.GET.get("all") == "1"
        reviews = selectors.pending_changes_queue(self.get_queryset(request), submitted_only=not everything)
        may_approve = self.has_approve_permission(request)
        rows = [
            (review, services.product_approval_refusal(review.product, request.user) if may_approve else None)
            for review in reviews
        ]
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Pending changes of approved products"),
            "rows": rows,
            "everything": everything,
            "may_approve": may_approve,
        }
        return TemplateResponse(request, "admin/products/product/pending.html", context)

    # bulk actions -----------------------------------------------------------------------------------------

    def _bulk(self, request, queryset, service, done_message):
        outcome = services.products_review_bulk(actor=request.user, products=queryset, review=service)
        if outcome.done:
            self.message_user(request, done_message % {"count": outcome.done}, messages.SUCCESS)
        for _sku, problem in outcome.refused[:20]:
            self.message_user(request, problem, messages.WARNING)

    @action(description=_("Submit for approval"), permissions=["change"])
    def submit_selected(self, request, queryset):
        self._bulk(request, queryset, services.product_submit, _("%(count)d product(s) submitted."))

    @action(description=_("Approve"), permissions=["approve"])
    def approve_selected(self, request, queryset):
        self._bulk(request, queryset, services.product_approve, _("%(count)d product(s) approved."))

    @action(description=_("Retire"), permissions=["change"])
    def retire_selected(self, request, queryset):
        self._bulk(request, queryset, services.product_retire, _("%(count)d product(s) retired."))

    @action(description=_("Add to category (choose it beside)"), permissions=["change"])
    def add_to_category(self, request, queryset):
        code = request.POST.get("category", "")
        if not code:
            self.message_user(request, _("Choose the category to add the products to."), messages.ERROR)
            return
        try:
            count = services.products_add_category(actor=request.user, products=queryset, category_code=code)
        except ValidationError as exc:
            self.message_user(request, " ".join(exc.messages), messages.ERROR)
            return
        self.message_user(
            request, _("%(count)d product(s) added to %(category)s.") % {"count": count, "category": code}
        )

    @action(description=_("Export the selection (CSV or XLSX)…"), permissions=["view"])
    def export_selection(self, request, queryset):
        """A page of choices (format, attributes, locales, channels), then the file; "select all" takes the
        whole filtered list, as for any action."""
        form = ExportForm(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            data = form.cleaned_data
            try:
                return flat.download(
                    queryset,
                    file_format=data["file_format"],
                    delimiter=data["delimiter"],
                    attributes=set(data["attribute_codes"]) or None,
                    locales=set(data["locales"]) or None,
                    channels=set(data["channels"]) or None,
                )
            except ValidationError as exc:  # a text too long for an XLSX cell: said, not cut
                messages.error(request, " ".join(exc.messages))
        context = {
            **self.admin_site.each_context(request),
            "title": _("Export %(count)d product(s)") % {"count": queryset.count()},
            "form": form,
            "opts": self.model._meta,
            "selected": request.POST.getlist(admin.helpers.ACTION_CHECKBOX_NAME),
            "select_across": request.POST.get("select_across", "0"),
            "action": request.POST.get("action", ""),
        }
        return TemplateResponse(request, "admin/products/product/export.html", context)

    def _get_base_actions(self):
        """The list's own actions, then those upper apps registered in `product_actions`."""
        return [*super()._get_base_actions(), *(self.get_action(func) for func in product_actions)]

    def has_approve_permission(self, request):
        return request.user.has_perm("products.approve_product")
