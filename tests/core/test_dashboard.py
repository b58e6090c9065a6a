"""The admin home's building blocks: charts laid out for inline SVG, durations, roles."""

import pytest
from django.test.client import RequestFactory

from apps.core.dashboard import Chart, Series, duration, roles, shown_to
from apps.core.models import Role
from tests.core.factories import UserFactory


def test_bars_are_as_tall_as_their_values_on_a_shared_baseline():
    chart = Chart("issues", [Series("issues", [("web", 10), ("google", 5), ("meta", 0)])], style="bar")
    web, google, meta = chart.bars
    assert web["height"] == pytest.approx(2 * google["height"], abs=0.2) and meta["height"] == 0
    assert web["y"] + web["height"] == pytest.approx(chart.baseline) == google["y"] + google["height"]
    assert web["x"] < google["x"] < meta["x"] and chart.top == 10


def test_lines_share_the_x_axis_and_scale_to_the_chosen_maximum():
    chart = Chart("%", [Series("a", [("1", 50), ("2", 100)]), Series("b", [("2", 0)])], y_max=100)
    a, b = chart.lines
    (x1, y1, *_), (x2, y2, *_) = a["dots"]
    [(bx, by, *_)] = b["dots"]
    assert bx == x2 > x1 and by == chart.baseline and y2 < y1 < chart.baseline
    assert chart.baseline - y2 == pytest.approx(2 * (chart.baseline - y1), abs=0.2)


@pytest.mark.parametrize(
    ("minutes", "text"), [(45, "45 min"), (200, "3 h 20 min"), (2 * 1440 + 250, "2 d 4 h"), (-5, "0 min")]
)
def test_durations_read_as_people_say_them(minutes, text):
    from datetime import timedelta

    assert duration(timedelta(minutes=minutes)) == text


def test_a_panel_meant_for_some_roles_shows_to_them_and_to_administrators(db):
    def request_of(user):
        request = RequestFactory().get("/")
        request.user = user
        return request

    marketer = request_of(UserFactory(username="lea", roles=[Role.MARKETER]))
    assert shown_to(marketer, Role.MARKETER, Role.APPROVER) and not shown_to(marketer, Role.CHANNEL_MANAGER)
    assert roles(marketer) == {"marketer"}
    boss = request_of(UserFactory(username="boss", is_superuser=True))
    assert shown_to(boss, Role.CHANNEL_MANAGER)
    admin = request_of(UserFactory(username="adm", roles=[Role.ADMIN]))
    assert shown_to(admin, Role.STORE_STAFF)
