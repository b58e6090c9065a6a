from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import GroupAdmin as BaseGroupAdmin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group
from django.utils.translation import gettext_lazy as _
from django_celery_beat.admin import ClockedScheduleAdmin as BaseClockedScheduleAdmin
from django_celery_beat.admin import CrontabScheduleAdmin as BaseCrontabScheduleAdmin
from django_celery_beat.admin import PeriodicTaskAdmin as BasePeriodicTaskAdmin
from django_celery_beat.admin import PeriodicTaskForm, TaskSelectWidget
from django_celery_beat.models import (
    ClockedSchedule,
    CrontabSchedule,
    IntervalSchedule,
    PeriodicTask,
    SolarSchedule,
)
from django_celery_results.admin import GroupResultAdmin as BaseGroupResultAdmin
from django_celery_results.admin import TaskResultAdmin as BaseTaskResultAdmin
from django_celery_results.models import GroupResult, TaskResult
from guardian.admin import GuardedModelAdminMixin
from import_export.admin import ImportExportModelAdmin
from unfold.admin import ModelAdmin
from unfold.contrib.import_export.forms import ExportForm, ImportForm
from unfold.decorators import action
from unfold.forms import AdminPasswordChangeForm, UserChangeForm, UserCreationForm
from unfold.widgets import UnfoldAdminSelectWidget, UnfoldAdminTextInputWidget

from apps.core import services
from apps.core.admin_mixins import ReadOnlyAdminMixin
from apps.core.models import ApiToken, AuditLog, Channel, Currency, Locale, User
from apps.core.resources import CurrencyResource, LocaleResource

admin.site.unregister(Group)
for model in (
    PeriodicTask,
    IntervalSchedule,
    CrontabSchedule,
    SolarSchedule,
    ClockedSchedule,
    TaskResult,
    GroupResult,
):
    admin.site.unregister(model)


@admin.register(User)
class UserAdmin(BaseUserAdmin, ModelAdmin):
    form = UserChangeForm
    add_form = UserCreationForm
    change_password_form = AdminPasswordChangeForm
    list_display = ("username", "email", "first_name", "last_name", "language", "is_active", "last_login")
    list_filter = ("is_active", "is_staff", "groups")
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        (_("Preferences"), {"fields": ("language",)}),
    )
    show_full_result_count = False


@admin.register(Group)
class GroupAdmin(BaseGroupAdmin, ModelAdmin):
    pass


@admin.register(Locale)
class LocaleAdmin(ImportExportModelAdmin, ModelAdmin):
    resource_classes = [LocaleResource]
    import_form_class = ImportForm
    export_form_class = ExportForm
    list_display = ("code", "name", "is_active")
    list_filter = ("is_active",)
    search_fields = ("code", "name")


@admin.register(Currency)
class CurrencyAdmin(ImportExportModelAdmin, ModelAdmin):
    resource_classes = [CurrencyResource]
    import_form_class = ImportForm
    export_form_class = ExportForm
    list_display = ("code", "name", "decimal_places", "is_active")
    list_filter = ("is_active",)
    search_fields = ("code", "name")


@admin.register(Channel)
class ChannelAdmin(GuardedModelAdminMixin, ModelAdmin):
    """Channels; "Object permissions" grants a channel manager this channel's feeds (core.manage_channel)."""

    list_display = ("code", "name", "kind", "currency", "is_active")
    list_filter = ("kind", "is_active")
    list_select_related = ("currency",)
    search_fields = ("code", "name")
    filter_horizontal = ("locales",)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        services.channel_record_change(
            actor=request.user, channel=form.instance, diff={"fields": form.changed_data}
        )


class ApiTokenForm(forms.ModelForm):
    scopes = forms.MultipleChoiceField(choices=ApiToken.Scope.choices, widget=forms.CheckboxSelectMultiple)

    class Meta:
        model = ApiToken
        fields = ["user", "name", "scopes", "channels"]


@admin.register(ApiToken)
class ApiTokenAdmin(ModelAdmin):
    """Tokens are created here and shown once; afterwards only their prefix and last use are visible."""

    form = ApiTokenForm
    list_display = ("name", "user", "prefix", "scopes", "created_at", "last_used_at", "revoked_at")
    list_filter = ("revoked_at",)
    list_select_related = ("user",)
    search_fields = ("name", "prefix", "user__username")
    filter_horizontal = ("channels",)
    actions = ["revoke"]

    def get_readonly_fields(self, request, obj=None):
        return ("user", "name", "scopes", "prefix", "created_at", "last_used_at", "revoked_at") if obj else ()

    def save_model(self, request, obj, form, change):
        if change:
            return
        token, raw = services.api_token_create(
            actor=request.user,
            user=form.cleaned_data["user"],
            name=form.cleaned_data["name"],
            scopes=form.cleaned_data["scopes"],
            channels=list(form.cleaned_data["channels"]),
        )
        obj.pk = token.pk
        self.message_user(
            request,
            _("Copy this token now, it will not be shown again: %(token)s") % {"token": raw},
            messages.WARNING,
        )

    def save_related(self, request, form, formsets, change):
        """Channels were set by the service."""

    @action(description=_("Revoke"))
    def revoke(self, request, queryset):
        for token in queryset:
            services.api_token_revoke(actor=request.user, token=token)


@admin.register(AuditLog)
class AuditLogAdmin(ReadOnlyAdminMixin, ModelAdmin):
    """Read-only: the log is append-only, written by services."""

    list_display = (
        "created_at",
        "actor_label",
        "source",
        "action",
        "object_type",
        "object_code",
        "request_id",
    )
    list_filter = ("source", "object_type", "action")
    search_fields = ("object_code", "actor_label", "request_id")
    list_select_related = ("actor",)
    show_full_result_count = False
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in AuditLog._meta.fields]


class PeriodicTaskUnfoldForm(PeriodicTaskForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["task"].widget = UnfoldAdminTextInputWidget()
        self.fields["regtask"].widget = UnfoldAdminSelectWidget(choices=TaskSelectWidget().choices)


@admin.register(PeriodicTask)
class PeriodicTaskAdmin(BasePeriodicTaskAdmin, ModelAdmin):
    form = PeriodicTaskUnfoldForm


@admin.register(IntervalSchedule)
class IntervalScheduleAdmin(ModelAdmin):
    pass


@admin.register(CrontabSchedule)
class CrontabScheduleAdmin(BaseCrontabScheduleAdmin, ModelAdmin):
    pass


@admin.register(SolarSchedule)
class SolarScheduleAdmin(ModelAdmin):
    pass


@admin.register(ClockedSchedule)
class ClockedScheduleAdmin(BaseClockedScheduleAdmin, ModelAdmin):
    pass


@admin.register(TaskResult)
class TaskResultAdmin(BaseTaskResultAdmin, ModelAdmin):
    show_full_result_count = False


@admin.register(GroupResult)
class GroupResultAdmin(BaseGroupResultAdmin, ModelAdmin):
    pass
