"""Admin building blocks shared by the apps."""

from collections.abc import Callable

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from guardian.admin import GuardedModelAdminMixin


class ReadOnlyAdminMixin:
    """For records written only by services (audit log, movements, computed prices): view, never edit."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class QueueFilter(admin.SimpleListFilter):
    """The work queues the admin home links to (`?queue=drafts`, `?queue=to_approve`); each app names
    the selectors, `(user, queryset) → queryset`, that define them."""

    title = _("my work")
    parameter_name = "queue"
    queues: dict[str, Callable] = {}

    def lookups(self, request, model_admin):
        return [("drafts", _("My drafts")), ("to_approve", _("Waiting for my approval"))]

    def queryset(self, request, queryset):
        select = self.queues.get(self.value() or "")
        return select(request.user, queryset) if select else queryset


class AdministratorsOnlyMixin:
    """For screens no role but administrators may open, whatever permissions someone was given by hand
    (scheduled jobs can start any task with any arguments; task results show what tasks returned)."""

    def _administrator(self, request) -> bool:
        from apps.core.policies import is_administrator

        return is_administrator(request.user)

    def has_module_permission(self, request):
        return self._administrator(request)

    def has_view_permission(self, request, obj=None):
        return self._administrator(request)

    def has_add_permission(self, request, *args):
        return self._administrator(request)

    def has_change_permission(self, request, obj=None):
        return self._administrator(request)

    def has_delete_permission(self, request, obj=None):
        return self._administrator(request)


def _translated_permissions(form_class):
    """Guardian lists a model's permissions by their stored names, English text written at migrate time;
    these forms read them through the catalog (the names are marked for translation in the models)."""
    from django.utils.translation import gettext

    class TranslatedForm(form_class):
        def get_obj_perms_field_choices(self):
            return [(code, gettext(name)) for code, name in super().get_obj_perms_field_choices()]

    return TranslatedForm


class ObjectPermissionsAdminMixin(GuardedModelAdminMixin):
    """django-guardian's object-permission pages (who is limited to which category or channel), for
    administrators only: anyone else gets 403 there and no link to them. Guardian itself only asks for
    the model's change permission, which would let a limited person grant themselves more."""

    def _refuse_unless_administrator(self, request) -> None:
        from apps.core.policies import is_administrator

        if not is_administrator(request.user):
            raise PermissionDenied

    def get_obj_perms_manage_user_form(self, request):
        return _translated_permissions(super().get_obj_perms_manage_user_form(request))

    def get_obj_perms_manage_group_form(self, request):
        return _translated_permissions(super().get_obj_perms_manage_group_form(request))

    def obj_perms_manage_view(self, request, object_pk):
        self._refuse_unless_administrator(request)
        return super().obj_perms_manage_view(request, object_pk)

    def obj_perms_manage_user_view(self, request, object_pk, user_id):
        self._refuse_unless_administrator(request)
        return super().obj_perms_manage_user_view(request, object_pk, user_id)

    def obj_perms_manage_group_view(self, request, object_pk, group_id):
        self._refuse_unless_administrator(request)
        return super().obj_perms_manage_group_view(request, object_pk, group_id)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        from apps.core.policies import is_administrator

        response = super().render_change_form(request, context, add, change, form_url, obj)
        if not is_administrator(request.user):  # the plain change form: without the permissions link
            opts = self.opts
            response.template_name = [
                f"admin/{opts.app_label}/{opts.model_name}/change_form.html",
                f"admin/{opts.app_label}/change_form.html",
                "admin/change_form.html",
            ]
        return response


class ChannelLimitedAdminMixin:
    """For admin screens of channel-related rows: a person limited to some channels (granted "manage
    channel" on them) lists, opens, changes, deletes and acts on only those channels' rows, and chooses
    only those channels in forms; a person without limits keeps every channel. `channel_path` leads
    from the model to its channel ("" for the channels themselves). With `shared_rows`, rows without a
    channel (shared by every channel) are listed but read-only for limited people, who cannot create one.
    """

    channel_path = "channel"
    shared_rows = False

    def _channel_scope(self, request) -> set[str] | None:
        from apps.core.policies import channel_scope

        return channel_scope(request.user)

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        scope = self._channel_scope(request)
        if scope is None:
            return queryset
        prefix = f"{self.channel_path}__" if self.channel_path else ""
        allowed = Q(**{f"{prefix}code__in": sorted(scope)})
        if self.shared_rows:
            allowed |= Q(**{f"{self.channel_path}__isnull": True})
        return queryset.filter(allowed)

    def channel_in_scope(self, request, obj) -> bool:
        scope = self._channel_scope(request)
        if scope is None or obj is None:
            return True
        channel = getattr(obj, self.channel_path) if self.channel_path else obj
        return channel is not None and channel.code in scope

    def has_add_permission(self, request, *args):
        allowed = super().has_add_permission(request, *args)
        # a limited person adds rows of their channels, never a channel of their own making
        return allowed and (bool(self.channel_path) or self._channel_scope(request) is None)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self.channel_in_scope(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self.channel_in_scope(request, obj)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        from apps.core.models import Channel

        scope = self._channel_scope(request)
        if db_field.related_model is Channel and scope is not None:
            kwargs["queryset"] = Channel.objects.filter(code__in=sorted(scope))
            kwargs["required"] = True
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        from apps.core.models import Channel

        scope = self._channel_scope(request)
        if db_field.related_model is Channel and scope is not None:
            kwargs["queryset"] = Channel.objects.filter(code__in=sorted(scope))
        return super().formfield_for_manytomany(db_field, request, **kwargs)
