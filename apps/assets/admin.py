"""The DAM in the admin: the asset library with thumbnails and rights, the upload of many files or a
ZIP (linked by file name), rendition specs, and the pictures on the product form (drag to reorder).
Every write goes through apps.assets.services."""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Case, Count, F, Func, Prefetch, Q, When
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse, reverse_lazy
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from unfold.admin import ModelAdmin, TabularInline
from unfold.decorators import action, display
from unfold.widgets import UnfoldAdminFileFieldWidget, UnfoldAdminTextInputWidget

from apps.assets import selectors, services
from apps.assets.models import THUMBNAIL_SPEC, Asset, ProductAsset, Rendition, RenditionSpec
from apps.core import uploads
from apps.core.admin_mixins import ChannelLimitedAdminMixin
from apps.core.models import Locale
from apps.core.widgets import RemotePicker, select2_results
from apps.products.admin import product_inlines
from apps.products.models import Product


def thumbnail_url(asset: Asset, renditions=None) -> str:
    """The thumbnail rendition of the current source when made, else the original (scaled by the browser)."""
    made = renditions if renditions is not None else asset.renditions.filter(spec__code=THUMBNAIL_SPEC)
    return next((r.file.url for r in made if r.source_sha256 == asset.sha256), None) or asset.file.url


def thumbnail_html(asset: Asset, renditions=None, size: int = 64) -> str:
    """The thumbnail rendition of the current source when made, else the original scaled by the browser."""
    if not asset.is_image:
        return format_html('<span class="noel-badge">{}</span>', asset.get_kind_display())
    url = thumbnail_url(asset, renditions)
    return format_html(
        '<img src="{}" alt="{}" loading="lazy" style="max-width:{}px;max-height:{}px" '
        'class="rounded-default">',
        url,
        next(iter(asset.alt_text.values()), asset.original_name),
        size,
        size,
    )


def _thumbnails(lookup: str = "renditions") -> Prefetch:
    """The thumbnail renditions of the assets reached by `lookup`, as their `thumbnails` list."""
    return Prefetch(
        lookup, queryset=Rendition.objects.filter(spec__code=THUMBNAIL_SPEC), to_attr="thumbnails"
    )


class TagFilter(admin.SimpleListFilter):
    title = _("tag")
    parameter_name = "tag"

    def lookups(self, request, model_admin):
        tags = (
            Asset.objects.annotate(tag=Func(F("tags"), function="unnest"))
            .values_list("tag", flat=True)
            .distinct()
            .order_by("tag")
        )
        return [(tag, tag) for tag in tags[:200]]

    def queryset(self, request, queryset):
        return queryset.filter(tags__contains=[self.value()]) if self.value() else queryset


class ExpiringFilter(admin.SimpleListFilter):
    title = _("rights")
    parameter_name = "rights"

    def lookups(self, request, model_admin):
        return [("30", _("Expiring within 30 days")), ("ended", _("Ended"))]

    def queryset(self, request, queryset):
        now = timezone.now()
        if self.value() == "30":
            return queryset.filter(valid_until__gt=now, valid_until__lte=now + timedelta(days=30))
        if self.value() == "ended":
            return queryset.filter(valid_until__lte=now)
        return queryset


class AssetForm(forms.ModelForm):
    """Alt text and caption as one field per active locale, tags as comma-separated words."""

    tags_text = forms.CharField(
        label=_("tags"), required=False, widget=UnfoldAdminTextInputWidget(), help_text=_("Comma-separated")
    )

    class Meta:
        model = Asset
        fields = ["focal_x", "focal_y", "rights_owner", "licence", "valid_until"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.locales = list(Locale.objects.filter(is_active=True).values_list("code", flat=True))
        for code in self.locales:
            for key, label in (("alt_text", _("alt text")), ("caption", _("caption"))):
                self.fields[f"{key}__{code}"] = forms.CharField(
                    label=f"{label} · {code}",
                    required=False,
                    initial=getattr(self.instance, key, {}).get(code, ""),
                    widget=UnfoldAdminTextInputWidget(),
                )
        self.fields["tags_text"].initial = ", ".join(self.instance.tags or [])

    @property
    def text_fields(self) -> list[str]:
        return [f"{key}__{code}" for code in self.locales for key in ("alt_text", "caption")]

    def changes(self) -> dict:
        data = self.cleaned_data
        changes = {name: data[name] for name in self._meta.fields}
        for key in ("alt_text", "caption"):
            texts = dict(getattr(self.instance, key) or {})
            for code in self.locales:
                value = data.get(f"{key}__{code}", "").strip()
                if value:
                    texts[code] = value
                else:
                    texts.pop(code, None)
            changes[key] = texts
        changes["tags"] = sorted({t.strip() for t in data.get("tags_text", "").split(",") if t.strip()})
        return changes


class MultipleFileInput(UnfoldAdminFileFieldWidget):
    """Unfold's file widget, with its own box for the chosen file's name: on a bare file input, Unfold's
    script wrote that name into the form's first text input (the tags, for every uploaded asset)."""

    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Django's recipe for several files in one input: each one cleaned as a FileField would."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data]
        return [super(MultipleFileField, self).clean(f, initial) for f in files]


class UploadForm(forms.Form):
    files = MultipleFileField(
        label=_("files or ZIP archives"),
        help_text=_("Named SKU_1.jpg (main picture), SKU_2.jpg… (gallery) or SKU-swatch.png are linked to "
                    "their products; the others are listed for you to link."),
    )  # fmt: skip
    tags = forms.CharField(label=_("tags"), required=False, widget=UnfoldAdminTextInputWidget())


@admin.register(Asset)
class AssetAdmin(ModelAdmin):
    form = AssetForm
    list_display = (
        "thumbnail", "original_name", "kind", "status_badge", "dimensions", "tag_list", "valid_until", "uses",
    )  # fmt: skip
    list_display_links = ("thumbnail", "original_name")
    list_filter = ("kind", "status", TagFilter, ExpiringFilter)
    search_fields = ("original_name", "sha256", "=tags")
    show_full_result_count = False
    list_per_page = 50
    list_select_related = ("replaced_by",)
    actions = ["archive_selected", "delete_unused"]
    actions_list = ["upload_files"]
    readonly_fields = (
        "preview", "original_name", "kind", "mime_type", "size", "dimensions", "sha256", "status",
        "replaced_by", "usage", "created_at",
    )  # fmt: skip

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(use_count=Count("product_links"))
            .prefetch_related(_thumbnails())
        )

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # deletion goes through the service, which refuses used assets
        return actions

    def get_fieldsets(self, request, obj=None):
        form = AssetForm(instance=obj or Asset())
        return [
            (None, {"fields": ["preview", ("original_name", "kind", "mime_type"), ("size", "dimensions"),
                               "sha256", ("status", "replaced_by"), "created_at"]}),
            (_("Texts per locale"), {"fields": form.text_fields, "classes": ["tab"]}),
            (_("Rights"), {"fields": ["rights_owner", "licence", "valid_until"], "classes": ["tab"]}),
            (_("Tags and focal point"),
             {"fields": ["tags_text", ("focal_x", "focal_y")], "classes": ["tab"]}),
            (_("Usage"), {"fields": ["usage"], "classes": ["tab"]}),
        ]  # fmt: skip

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is not None:
            obj.viewer = request.user  # whose "used by" list the page shows
        return obj

    def get_form(self, request, obj=None, change=False, **kwargs):
        kwargs["fields"] = AssetForm.Meta.fields  # the per-locale texts are added by the form itself
        return super().get_form(request, obj, change=change, **kwargs)

    def has_add_permission(self, request):
        return False  # files arrive through the upload page (several at once, ZIP), not this form

    def has_delete_permission(self, request, obj=None):
        return False

    def has_remove_permission(self, request) -> bool:
        return request.user.has_perm("assets.delete_asset")

    def has_upload_permission(self, request) -> bool:
        return request.user.has_perm("assets.add_asset")

    def save_model(self, request, obj, form, change):
        services.asset_update(actor=request.user, asset=obj, changes=form.changes())

    # columns --------------------------------------------------------------------------------------------

    @display(description=_("picture"))
    def thumbnail(self, obj: Asset) -> str:
        return thumbnail_html(obj, getattr(obj, "thumbnails", None))

    @display(description=_("preview"))
    def preview(self, obj: Asset) -> str:
        if not obj.pk:
            return "—"
        return format_html('<a href="{}" target="_blank">{}</a>', obj.file.url, thumbnail_html(obj, size=320))

    @display(description=_("status"), label={"active": "success", "expired": "danger", "archived": "warning"})
    def status_badge(self, obj: Asset) -> tuple[str, str]:
        return obj.status, obj.get_status_display()

    @display(description=_("size"))
    def dimensions(self, obj: Asset) -> str:
        return f"{obj.width}×{obj.height}" if obj.width else "—"

    @display(description=_("tags"))
    def tag_list(self, obj: Asset) -> str:
        return ", ".join(obj.tags)

    @display(description=_("uses"), ordering="use_count")
    def uses(self, obj: Asset) -> int:
        return obj.use_count

    @display(description=_("used by"))
    def usage(self, obj: Asset) -> str:
        usages = selectors.asset_usage_shown(obj, getattr(obj, "viewer", None)) if obj.pk else []
        if not usages:
            return _("Not used")
        return format_html("<ul>{}</ul>", format_html_join("", "<li>{}</li>", ((str(u),) for u in usages)))

    # actions --------------------------------------------------------------------------------------------

    @action(description=_("Archive (withdraw from every feed)"), permissions=["change"])
    def archive_selected(self, request, queryset):
        for asset in queryset:
            services.asset_archive(actor=request.user, asset=asset)
        self.message_user(request, _("%(count)d asset(s) archived.") % {"count": len(queryset)})

    @action(description=_("Delete (refused for used assets)"), permissions=["remove"])
    def delete_unused(self, request, queryset):
        deleted = 0
        for asset in queryset:
            try:
                services.asset_delete(actor=request.user, asset=asset)
                deleted += 1
            except ValidationError as exc:
                self.message_user(request, " ".join(exc.messages), messages.ERROR)
        if deleted:
            self.message_user(request, _("%(count)d asset(s) deleted.") % {"count": deleted})

    # upload ---------------------------------------------------------------------------------------------

    def get_urls(self):
        return [
            path("upload/", self.admin_site.admin_view(self.upload_view), name="assets_asset_upload"),
            path("pick/", self.admin_site.admin_view(self.pick_view), name="assets_asset_pick"),
            *super().get_urls(),
        ]

    PICKED = 24

    def pick_view(self, request: HttpRequest) -> JsonResponse:
        """The picture picker's search: active images by file name or tag, newest first, each with its
        thumbnail and how many products use it (their SKUs only when the person may see them all)."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        term = request.GET.get("term", "").strip()[:100]
        page = request.GET.get("page", "1")
        page = min(int(page), 50) if page.isdigit() and int(page) > 0 else 1
        found = selectors.pictures_to_pick(term)
        rows = list(found.prefetch_related(_thumbnails())[(page - 1) * self.PICKED : page * self.PICKED + 1])
        return JsonResponse(select2_results(
            [
                {"id": str(a.pk), "text": _picked_text(a), "thumbnail": thumbnail_url(a, a.thumbnails)}
                for a in rows[: self.PICKED]
            ],
            len(rows) > self.PICKED,
        ))  # fmt: skip

    @action(description=_("Upload files or a ZIP"), url_path="upload-files", permissions=["upload"])
    def upload_files(self, request: HttpRequest):
        return HttpResponseRedirect(reverse("admin:assets_asset_upload"))

    def upload_view(self, request: HttpRequest):
        """Upload several files and ZIPs; see what was linked, link the rest by SKU, read the warnings."""
        if not self.has_upload_permission(request):
            raise PermissionDenied
        form, report = UploadForm(), None
        if request.method == "POST" and request.POST.get("link"):
            self._link_by_hand(request)
            return HttpResponseRedirect(request.path)
        if request.method == "POST":
            form = UploadForm(request.POST, request.FILES)
            if form.is_valid():
                report = self._upload(request, form)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Upload files"),
            "form": form,
            "report": report,
            "roles": ProductAsset.Role.choices,
        }
        return TemplateResponse(request, "admin/assets/asset/upload.html", context)

    def _upload(self, request, form: UploadForm) -> services.UploadReport | None:
        tags = [t.strip() for t in form.cleaned_data["tags"].split(",") if t.strip()]
        try:
            files = []
            for upload in form.cleaned_data["files"]:
                try:  # refused on its size as uploaded, before it is read
                    uploads.size_check(upload.name, upload.size, services.max_bytes())
                except ValidationError as exc:
                    raise ValidationError({"file": exc.messages}) from exc
                data = upload.read(services.max_bytes() + 1)
                if upload.name.lower().endswith(".zip"):
                    files += services.zip_entries(upload.name, data)
                else:
                    files.append((upload.name, data))
            return services.assets_upload_many(actor=request.user, files=files, tags=tags)
        except ValidationError as exc:
            for message in exc.messages:
                self.message_user(request, message, messages.ERROR)
            return None

    def _link_by_hand(self, request) -> None:
        asset = get_object_or_404(Asset, pk=request.POST.get("asset"))
        sku = request.POST.get("sku", "").strip()
        product = Product.objects.filter(sku__iexact=sku).first()
        if product is None:
            self.message_user(request, _("No product has the SKU %(sku)s.") % {"sku": sku}, messages.ERROR)
            return
        try:
            services.product_asset_link(
                actor=request.user, product=product, asset=asset, role=request.POST.get("role", "gallery")
            )
            self.message_user(
                request, _("%(asset)s linked to %(sku)s.") % {"asset": asset, "sku": product.sku}
            )
        except ValidationError as exc:
            self.message_user(request, " ".join(exc.messages), messages.ERROR)


def _picked_text(asset: Asset) -> str:
    size = f" · {asset.width}×{asset.height}" if asset.width else ""
    used = (
        " · "
        + ngettext("used by %(count)d product", "used by %(count)d products", asset.use_count)
        % {"count": asset.use_count}
        if asset.use_count
        else ""
    )
    return f"{asset.original_name}{size}{used}"


@admin.register(RenditionSpec)
class RenditionSpecAdmin(ChannelLimitedAdminMixin, ModelAdmin):
    shared_rows = True  # specs without a channel serve every channel: administrators' and unlimited managers'

    list_display = ("code", "width", "height", "format", "fit", "quality", "channel", "min_source")
    list_select_related = ("channel",)
    fields = (
        "code", ("width", "height"), ("format", "fit"), ("background", "quality"), "channel",
        ("min_source_width", "min_source_height"),
    )  # fmt: skip

    @display(description=_("main picture at least"))
    def min_source(self, obj: RenditionSpec) -> str:
        return f"{obj.min_source_width}×{obj.min_source_height}" if obj.min_source_width else "—"

    def save_model(self, request, obj, form, change):
        services.rendition_spec_save(actor=request.user, spec=obj)


# pictures on the product form -----------------------------------------------------------------------


class PicturesFormSet(BaseInlineFormSet):
    """Saved through the services: new rows linked, removed rows unlinked, a changed role or channel
    relinked, then the order of the rows applied (the first picture is the main one)."""

    actor = None

    def _construct_form(self, i, **kwargs):
        form = super()._construct_form(i, **kwargs)
        # A picture already linked stays acceptable as it is (its rights may have ended since, or it was
        # archived): only a newly chosen picture must be an active image, else no other field could be saved.
        if form.instance.pk and "asset" in form.fields:
            field = form.fields["asset"]
            field.queryset = Asset.objects.filter(
                Q(kind=Asset.Kind.IMAGE, status=Asset.Status.ACTIVE) | Q(pk=form.instance.asset_id)
            )
        return form

    def save(self, commit=True):
        product = self.instance
        self.new_objects, self.changed_objects, self.deleted_objects = [], [], []
        for form in self.deleted_forms:
            if form.instance.pk:
                services.product_asset_unlink(actor=self.actor, link=form.instance)
        order = []
        for form in self.forms:
            if form in self.deleted_forms or not form.cleaned_data.get("asset"):
                continue
            data, link = form.cleaned_data, form.instance
            if not link.pk or {"asset", "role", "channel"} & set(form.changed_data):
                if link.pk:
                    services.product_asset_unlink(actor=self.actor, link=ProductAsset.objects.get(pk=link.pk))
                link = services.product_asset_link(
                    actor=self.actor, product=product, asset=data["asset"], role=data["role"],
                    channel=data.get("channel"),
                )  # fmt: skip
            main_first = data["role"] != ProductAsset.Role.MAIN or "role" not in form.changed_data
            order.append((main_first, data.get("position") or 0, link.pk))
        services.product_asset_reorder(
            actor=self.actor, product=product, link_ids=[pk for *_k, pk in sorted(order)]
        )
        return []


def _picked_pictures(values: list[str]) -> list[tuple[str, str, dict[str, str]]]:
    """The pictures a picker shows as chosen: name and thumbnail."""
    ids = [int(v) for v in values if str(v).isdigit()]
    found = Asset.objects.filter(pk__in=ids).prefetch_related(_thumbnails())
    return [(str(a.pk), a.original_name, {"data-thumbnail": thumbnail_url(a, a.thumbnails)}) for a in found]


class PictureField(forms.ModelChoiceField):
    """A picture of the library, chosen by its thumbnail (searched by file name or tag as one types);
    only active images may be chosen, whatever id is posted."""

    def __init__(self, **kwargs):
        kwargs["queryset"] = Asset.objects.filter(kind=Asset.Kind.IMAGE, status=Asset.Status.ACTIVE)
        kwargs["widget"] = RemotePicker(
            reverse_lazy("admin:assets_asset_pick"), single=True, labeller=_picked_pictures
        )
        kwargs.setdefault("label", _("picture"))
        kwargs.setdefault("error_messages", {
            "invalid_choice": _("Choose an active picture of the library (an image, not archived)."),
        })  # fmt: skip
        super().__init__(**kwargs)


class ProductPicturesInline(TabularInline):
    model = ProductAsset
    formset = PicturesFormSet
    extra = 0
    fields = ("picture", "asset", "role", "channel", "position")
    readonly_fields = ("picture",)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "asset":
            return PictureField(required=True)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    ordering_field = "position"
    hide_ordering_field = True
    verbose_name_plural = _("Pictures (drag to reorder: the first is the main picture)")
    hide_title = True  # the row title would be the object's ids; the columns say it all

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("asset", "channel")
            .prefetch_related(_thumbnails("asset__renditions"))
            .annotate(
                role_rank=Case(
                    When(role=ProductAsset.Role.MAIN, then=0),
                    When(role=ProductAsset.Role.GALLERY, then=1),
                    default=2,
                )
            )
            .order_by(F("channel_id").asc(nulls_first=True), "role_rank", "role", "position")
        )

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        return type("PicturesFormSet", (formset,), {"actor": request.user})

    @display(description=_("picture"))
    def picture(self, obj: ProductAsset) -> str:
        return thumbnail_html(obj.asset, getattr(obj.asset, "thumbnails", None)) if obj.pk else "—"


product_inlines.append(ProductPicturesInline)
from apps.assets import admin_list as _product_list_column  # noqa: E402, F401  (the list's picture)
