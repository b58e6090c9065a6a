from django.contrib import admin
from unfold.admin import ModelAdmin

from apps.stores import services
from apps.stores.models import StaffStore


@admin.register(StaffStore)
class StaffStoreAdmin(ModelAdmin):
    """Home stores of store staff; saved and removed through the service, so each change is audited."""

    list_display = ("user", "location")
    list_select_related = ("user", "location")
    search_fields = ("user__username", "location__code", "location__name")
    show_full_result_count = False

    def save_model(self, request, obj, form, change) -> None:
        saved = services.staff_store_set(actor=request.user, user=obj.user, location=obj.location)
        obj.pk = saved.pk

    def delete_model(self, request, obj) -> None:
        services.staff_store_set(actor=request.user, user=obj.user, location=None)

    def delete_queryset(self, request, queryset) -> None:
        for link in queryset.select_related("user"):
            services.staff_store_set(actor=request.user, user=link.user, location=None)
