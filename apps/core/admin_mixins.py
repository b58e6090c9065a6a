"""Admin building blocks shared by the apps."""

from collections.abc import Callable

from django.contrib import admin
from django.utils.translation import gettext_lazy as _


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
