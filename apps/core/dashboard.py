"""The admin home: what a person in each role needs to see first.

Apps register panels in AppConfig.ready. A panel returns a list of blocks: tiles (one figure each),
tables (one row per channel, campaign…) and charts (drawn here as inline SVG, no script, no CDN).
An empty list means the panel is not for this person.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _

from apps.core import selectors
from apps.core.models import Role


@dataclass(frozen=True)
class Tile:
    """One figure on the home page, with where to look at what it counts."""

    label: str
    value: int | str
    link: str = ""
    alert: bool = False
    kind: str = field(default="tile", init=False)


@dataclass(frozen=True)
class Cell:
    text: str | int
    link: str = ""
    alert: bool = False


@dataclass(frozen=True)
class Table:
    """Rows of linked cells under column headings."""

    columns: Sequence[str]
    rows: Sequence[Sequence[Cell]]
    name: str = ""
    empty: str = ""
    kind: str = field(default="table", init=False)


@dataclass(frozen=True)
class Series:
    label: str
    points: Sequence[tuple[str, float]]  # (x label, y), in x order


@dataclass(frozen=True)
class Chart:
    """A line chart (one line per series over shared x labels) or a bar chart (one bar per point of the
    first series), laid out in template coordinates here so the template only draws."""

    title: str
    series: Sequence[Series]
    style: str = "line"  # "line" or "bar"
    unit: str = ""
    y_max: float | None = None
    name: str = ""
    kind: str = field(default="chart", init=False)

    WIDTH = 640
    HEIGHT = 200
    LEFT = 40
    BOTTOM = 30
    COLOURS = ("#2563eb", "#dc2626", "#16a34a", "#d97706", "#7c3aed", "#0891b2")

    @property
    def top(self) -> float:
        values = [y for s in self.series for _x, y in s.points]
        return self.y_max or max([*values, 1])

    def _y(self, value: float) -> float:
        return round(self.HEIGHT - self.BOTTOM - value / self.top * (self.HEIGHT - self.BOTTOM - 10), 1)

    @property
    def labels(self) -> list[str]:
        return list(dict.fromkeys(x for s in self.series for x, _y in s.points))

    def _x(self, index: int, count: int) -> float:
        span = self.WIDTH - self.LEFT - 10
        return round(self.LEFT + (span * index / (count - 1) if count > 1 else span / 2), 1)

    @property
    def lines(self) -> list[dict[str, Any]]:
        labels = self.labels
        where = {x: i for i, x in enumerate(labels)}
        return [
            {
                "label": s.label,
                "colour": self.COLOURS[n % len(self.COLOURS)],
                "points": " ".join(f"{self._x(where[x], len(labels))},{self._y(y)}" for x, y in s.points),
                "dots": [(self._x(where[x], len(labels)), self._y(y), x, y) for x, y in s.points],
            }
            for n, s in enumerate(self.series)
        ]

    @property
    def bars(self) -> list[dict[str, Any]]:
        points = self.series[0].points if self.series else []
        if not points:
            return []
        slot = (self.WIDTH - self.LEFT - 10) / len(points)
        return [
            {
                "x": round(self.LEFT + slot * i + slot * 0.15, 1),
                "y": self._y(y),
                "width": round(slot * 0.7, 1),
                "height": round(self._y(0) - self._y(y), 1),
                "label": x,
                "value": y,
                "middle": round(self.LEFT + slot * (i + 0.5), 1),
            }
            for i, (x, y) in enumerate(points)
        ]

    @property
    def x_ticks(self) -> list[tuple[float, str]]:
        """At most eight x labels under a line chart, so dates stay readable."""
        labels = self.labels
        step = max(1, -(-len(labels) // 8))
        return [(self._x(i, len(labels)), x) for i, x in enumerate(labels) if i % step == 0]

    @property
    def y_ticks(self) -> list[tuple[float, str]]:
        return [(self._y(self.top * f), f"{self.top * f:g}") for f in (0, 0.5, 1)]

    @property
    def baseline(self) -> float:
        return self._y(0)


Block = Tile | Table | Chart
Panel = Callable[[HttpRequest], Sequence[Block]]
# Apps add their panels in AppConfig.ready: name → function(request) → blocks (empty: not for this person).
panels: dict[str, Panel] = {}


def roles(request: HttpRequest) -> frozenset[str]:
    """The person's role groups, read once per request; a superuser holds every role."""
    cached = getattr(request, "_noel_roles", None)
    if cached is None:
        user = request.user
        if user.is_superuser:
            cached = frozenset(r.value for r in Role)
        else:
            cached = frozenset(user.groups.values_list("name", flat=True))
        request._noel_roles = cached
    return cached


def shown_to(request: HttpRequest, *wanted: Role) -> bool:
    """Whether a panel meant for these roles is for this person (administrators see every panel)."""
    mine = roles(request)
    return Role.ADMIN.value in mine or any(role.value in mine for role in wanted)


def dashboard_callback(request: HttpRequest, context: dict[str, Any]) -> dict[str, Any]:
    checks = {_("Database"): selectors.database_health(), _("Job queue"): selectors.broker_health()}
    context["noel_health"] = [
        {"name": name, "ok": error is None, "detail": error or _("running")} for name, error in checks.items()
    ]
    user = request.user
    context["noel_roles"] = sorted(
        user.groups.values_list("name", flat=True) if user.is_superuser else roles(request)
    )
    context["noel_recent"] = (
        selectors.recent_activity(limit=10) if request.user.has_perm("core.view_auditlog") else []
    )
    shown = []
    for title, panel in panels.items():
        blocks = list(panel(request))
        if blocks:
            tiles = [b for b in blocks if b.kind == "tile"]
            shown.append((title, tiles, [b for b in blocks if b.kind != "tile"]))
    context["noel_panels"] = shown
    return context


def duration(delta: timedelta) -> str:
    """A time span as people read it on a dashboard: "45 min", "3 h 20 min", "2 d 4 h"."""
    minutes = max(0, int(delta.total_seconds() // 60))
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        return _("%(d)d d %(h)d h") % {"d": days, "h": hours}
    if hours:
        return _("%(h)d h %(m)d min") % {"h": hours, "m": minutes}
    return _("%(m)d min") % {"m": minutes}
