"""The admin home: what a person in each role needs to see first."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _

from apps.core import selectors


@dataclass(frozen=True)
class Tile:
    """One figure on the home page, with where to look at what it counts."""

    label: str
    value: int | str
    link: str = ""
    alert: bool = False


# Apps add their panels in AppConfig.ready: name → function(request) → tiles (empty: not for this person).
Panel = Callable[[HttpRequest], list[Tile]]
panels: dict[str, Panel] = {}


def dashboard_callback(request: HttpRequest, context: dict[str, Any]) -> dict[str, Any]:
    checks = {_("Database"): selectors.database_health(), _("Job queue"): selectors.broker_health()}
    context["noel_health"] = [
        {"name": name, "ok": error is None, "detail": error or _("running")} for name, error in checks.items()
    ]
    context["noel_roles"] = sorted(request.user.groups.values_list("name", flat=True))
    context["noel_recent"] = (
        selectors.recent_activity(limit=10) if request.user.has_perm("core.view_auditlog") else []
    )
    context["noel_panels"] = [(title, tiles) for title, panel in panels.items() if (tiles := panel(request))]
    return context
