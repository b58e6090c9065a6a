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
