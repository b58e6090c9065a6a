"""The admin home: what a person in each role needs to see first."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _

from apps.core import selectors


def dashboard_callback(request: HttpRequest, context: dict[str, Any]) -> dict[str, Any]:
    checks = {_("Database"): selectors.database_health(), _("Job queue"): selectors.broker_health()}
    context["noel_health"] = [
        {"name": name, "ok": error is None, "detail": error or _("running")} for name, error in checks.items()
    ]
    context["noel_roles"] = sorted(request.user.groups.values_list("name", flat=True))
    context["noel_recent"] = (
        selectors.recent_activity(limit=10) if request.user.has_perm("core.view_auditlog") else []
    )
    return context
