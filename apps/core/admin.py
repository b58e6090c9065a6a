import re

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import GroupAdmin as BaseGroupAdmin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group
from django.utils.translation import gettext
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
from import_export.admin import ImportExportModelAdmin
from unfold.admin import ModelAdmin
from unfold.contrib.import_export.forms import ExportForm, ImportForm
from unfold.decorators import action, display
from unfold.forms import AdminPasswordChangeForm, UserChangeForm, UserCreationForm
from unfold.widgets import UnfoldAdminSelectWidget, UnfoldAdminTextInputWidget

from apps.core import policies, services
from apps.core.admin_mixins import (
    AdministratorsOnlyMixin,
    ChannelLimitedAdminMixin,
    ObjectPermissionsAdminMixin,
    ReadOnlyAdminMixin,
)
from apps.core.models import ApiToken, AuditLog, Channel, Currency, Locale, Role, User
from apps.core.resources import SAFE_FORMATS, CurrencyResource, LocaleResource
from apps.core.uploads import import_max_bytes, upload_check

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


def role_label(name: str) -> str:
    """A role group's name as people read it, in their language ("Channel manager"); other groups as named."""
    return str(Role(name).label) if name in Role.values else name


class RoleFilter(admin.SimpleListFilter):
    title = _("role")
    parameter_name = "role"

    def lookups(self, request, model_admin):
        return [(group.pk, role_label(group.name)) for group in Group.objects.order_by("name")]

    def queryset(self, request, queryset):
        return queryset.filter(groups__pk=self.value()) if self.value() else queryset


_PERMISSION_ACTIONS = {
    "add": _("Can add %(name)s"),
    "change": _("Can change %(name)s"),
    "delete": _("Can delete %(name)s"),
    "view": _("Can view %(name)s"),
}


def permission_label(permission) -> str:
    """A permission in the person's language. Django stores the names of the permissions it makes as
    English text ("Can add price"), fixed at migrate time; they are rebuilt here from the action and the
    model's translated name, and the named ones read through the catalog."""
    action, _sep, model_name = permission.codename.partition("_")
    model = permission.content_type.model_class()
    if action in _PERMISSION_ACTIONS and model is not None and model_name == model._meta.model_name:
        name = _PERMISSION_ACTIONS[action] % {"name": model._meta.verbose_name}
    else:
        name = gettext(permission.name)
    app = model._meta.app_config.verbose_name if model is not None else permission.content_type.app_label
    return f"{app} | {model._meta.verbose_name if model is not None else permission.content_type} | {name}"


class TranslatedPermissionsMixin:
    def formfield_for_manytomany(self, db_field, request, **kwargs):
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        if db_field.name in ("permissions", "user_permissions"):
            field.label_from_instance = permission_label
        return field


@admin.register(User)
class UserAdmin(TranslatedPermissionsMixin, BaseUserAdmin, ModelAdmin):
    form = UserChangeForm
    add_form = UserCreationForm
    change_password_form = AdminPasswordChangeForm
    list_display = (
        "username", "email", "first_name", "last_name", "roles", "language", "is_active", "last_login",
    )  # fmt: skip
    list_filter = ("is_active", "is_staff", RoleFilter)
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        (_("Preferences"), {"fields": ("language",)}),
    )
    show_full_result_count = False

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("groups")

    @display(description=_("roles"))
    def roles(self, obj: User) -> str:
        return ", ".join(sorted(role_label(group.name) for group in obj.groups.all()))

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        if db_field.name == "groups" and field is not None:
            field.label_from_instance = lambda group: role_label(group.name)
        return field


@admin.register(Group)
class GroupAdmin(TranslatedPermissionsMixin, BaseGroupAdmin, ModelAdmin):
    list_display = ("role_name", "name")

    @display(description=_("role"), ordering="name")
    def role_name(self, obj: Group) -> str:
        return role_label(obj.name)


class BoundedImportForm(ImportForm):
    """django-import-export's upload, bounded like every import file before it is read (size, and a
    ZIP bomb disguised as XLSX)."""

    def clean_import_file(self):
        upload = self.cleaned_data["import_file"]
        upload_check(upload.name, upload, upload.size, import_max_bytes())
        return upload


class ReferenceImportMixin:
    """Reference data: read and exported by anyone in the admin, imported by administrators only."""

    def has_import_permission(self, request) -> bool:
        return policies.is_administrator(request.user)


@admin.register(Locale)
class LocaleAdmin(ReferenceImportMixin, ImportExportModelAdmin, ModelAdmin):
    resource_classes = [LocaleResource]
    formats = SAFE_FORMATS  # Noel's CSV writer and XLSX cell rule (formulas escaped)
    import_form_class = BoundedImportForm
    export_form_class = ExportForm
    list_display = ("code", "name", "is_active")
    list_filter = ("is_active",)
    search_fields = ("code", "name")


@admin.register(Currency)
class CurrencyAdmin(ReferenceImportMixin, ImportExportModelAdmin, ModelAdmin):
    resource_classes = [CurrencyResource]
    formats = SAFE_FORMATS
    import_form_class = BoundedImportForm
    export_form_class = ExportForm
    list_display = ("code", "name", "decimal_places", "is_active")
    list_filter = ("is_active",)
    search_fields = ("code", "name")


@admin.register(Channel)
class ChannelAdmin(ChannelLimitedAdminMixin, ObjectPermissionsAdminMixin, ModelAdmin):
    """Channels; "Object permissions" grants a channel manager this channel's feeds (core.manage_channel).
    A manager limited to some channels sees and changes only those, and adds none."""

    channel_path = ""

    list_display = ("code", "name", "kind", "currency", "taking_from", "is_active")
    list_filter = ("kind", "is_active")
    list_select_related = ("currency",)
    search_fields = ("code", "name")
    filter_horizontal = ("locales",)

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "fallbacks":  # a few codes on one line, not a text area
            kwargs["widget"] = UnfoldAdminTextInputWidget(attrs={"placeholder": "ecommerce, mobile"})
            return db_field.formfield(**kwargs)
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    @display(description=_("takes scoped values from"))
    def taking_from(self, obj: Channel) -> str:
        return ", ".join(obj.fallbacks) or "—"

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

    def clean_user(self):
        from apps.core.policies import may_use_api

        user = self.cleaned_data["user"]
        if user is not None and not may_use_api(user):
            raise forms.ValidationError(
                _("{user} may not use the API (store staff use the store page).").format(user=user)
            )
        return user


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
        "object_type_name",
        "object_code",
        "request_id",
    )
    list_filter = ("source", "object_type", "action")
    search_fields = ("object_code", "actor_label", "request_id")
    list_select_related = ("actor",)
    show_full_result_count = False
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in AuditLog._meta.fields]

    @display(description=_("object type"), ordering="object_type")
    def object_type_name(self, obj: AuditLog) -> str:
        """The kind of object by its model's name in the person's language ("prix"), not its code."""
        return str(_object_types().get(obj.object_type, obj.object_type))


def _object_types() -> dict:
    from django.apps import apps

    names = {}
    for model in apps.get_models():
        snake = re.sub(r"(?<!^)(?=[A-Z])", "_", model.__name__).lower()  # ProductAsset → product_asset
        names[snake] = names[model._meta.model_name] = model._meta.verbose_name
    return names


class PeriodicTaskUnfoldForm(PeriodicTaskForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["task"].widget = UnfoldAdminTextInputWidget()
        self.fields["regtask"].widget = UnfoldAdminSelectWidget(choices=TaskSelectWidget().choices)


@admin.register(PeriodicTask)
class PeriodicTaskAdmin(AdministratorsOnlyMixin, BasePeriodicTaskAdmin, ModelAdmin):
    form = PeriodicTaskUnfoldForm


@admin.register(IntervalSchedule)
class IntervalScheduleAdmin(AdministratorsOnlyMixin, ModelAdmin):
    pass


@admin.register(CrontabSchedule)
class CrontabScheduleAdmin(AdministratorsOnlyMixin, BaseCrontabScheduleAdmin, ModelAdmin):
    pass


@admin.register(SolarSchedule)
class SolarScheduleAdmin(AdministratorsOnlyMixin, ModelAdmin):
    pass


@admin.register(ClockedSchedule)
class ClockedScheduleAdmin(AdministratorsOnlyMixin, BaseClockedScheduleAdmin, ModelAdmin):
    pass


@admin.register(TaskResult)
class TaskResultAdmin(AdministratorsOnlyMixin, BaseTaskResultAdmin, ModelAdmin):
    show_full_result_count = False


@admin.register(GroupResult)
class GroupResultAdmin(AdministratorsOnlyMixin, BaseGroupResultAdmin, ModelAdmin):
    pass
