from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin, TabularInline

from apps.core.admin_mixins import ChannelLimitedAdminMixin, ReadOnlyAdminMixin
from apps.inventory import policies, services
from apps.inventory.models import ChannelStockPolicy, StockLevel, StockLocation, StockMovement
from apps.products.admin import ProductAdmin


@admin.register(StockLocation)
class StockLocationAdmin(ModelAdmin):
    list_display = (
        "code",
        "name",
        "kind",
        "city",
        "click_and_collect",
        "ship_from_store",
        "pickup_sla",
        "is_active",
    )
    list_filter = ("kind", "click_and_collect", "ship_from_store", "is_active", "channels")
    search_fields = ("code", "name", "city")
    filter_horizontal = ("channels",)


class StockLevelForm(forms.ModelForm):
    class Meta:
        model = StockLevel
        fields = ["product", "location", "on_hand"]


@admin.register(StockLevel)
class StockLevelAdmin(ModelAdmin):
    """Counts typed here go through the same service as the ERP's, with their movement kept."""

    form = StockLevelForm
    list_display = ("product", "location", "on_hand", "reserved", "available", "updated_at")
    list_filter = ("location", "location__kind")
    list_select_related = ("product", "location")
    search_fields = ("product__sku", "location__code")
    autocomplete_fields = ("product",)
    show_full_result_count = False

    def get_queryset(self, request):
        return policies.visible_levels(request.user, super().get_queryset(request))

    def get_readonly_fields(self, request, obj=None):
        return ("product", "location", "reserved") if obj else ("reserved",)

    def save_model(self, request, obj, form, change):
        services.stock_apply_batch(
            actor=request.user,
            lines=[
                services.StockLine(obj.product.sku, obj.location.code, quantity=form.cleaned_data["on_hand"])
            ],
        )
        obj.pk = StockLevel.objects.get(product=obj.product, location=obj.location).pk


@admin.register(ChannelStockPolicy)
class ChannelStockPolicyAdmin(ChannelLimitedAdminMixin, ModelAdmin):
    list_display = ("channel", "safety_buffer")


@admin.register(StockMovement)
class StockMovementAdmin(ReadOnlyAdminMixin, ModelAdmin):
    list_display = (
        "created_at",
        "level",
        "on_hand_before",
        "on_hand_after",
        "reserved_before",
        "reserved_after",
        "source",
        "actor_label",
    )
    list_filter = ("source",)
    list_select_related = ("level__product", "level__location")
    show_full_result_count = False

    def get_queryset(self, request):
        return policies.visible_levels(request.user, super().get_queryset(request), "level__product_id")


class StockInline(ReadOnlyAdminMixin, TabularInline):
    model = StockLevel
    fields = ("location", "on_hand", "reserved", "available")
    readonly_fields = fields
    extra = 0
    show_change_link = True
    verbose_name_plural = _("stock (counts change in stock levels or through the API)")
    hide_title = True  # the row title would be the object's ids; the columns say it all

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("location")


ProductAdmin.inlines = [*ProductAdmin.inlines, StockInline]
from apps.inventory import admin_list as _product_list_stock  # noqa: E402, F401  (the list's stock)
