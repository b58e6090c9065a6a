"""Completeness over time: a nightly snapshot per channel, and the dashboard's chart drawn from it."""

from datetime import timedelta

import pytest
from django.test.client import RequestFactory
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from apps.core.models import Role
from apps.products import selectors, services
from apps.products.dashboard import completeness_chart_panel
from apps.products.models import CompletenessSnapshot
from apps.products.tasks import completeness_snapshot
from tests.core.factories import UserFactory
from tests.products.fixtures import texts


@pytest.fixture
def catalog(shop):
    full = {"name": texts("Renne", "Reindeer"), "brand": {"*": {"*": "Noel"}}}
    services.product_create(actor=None, sku="FULL", family=shop.toys, values=full)
    services.product_create(actor=None, sku="BARE", family=shop.toys, values={})
    return shop


def test_the_nightly_job_keeps_each_channels_share_of_complete_products(catalog):
    assert completeness_snapshot() == 2
    today = timezone.localdate()
    snapshots = {s.channel.code: s for s in CompletenessSnapshot.objects.filter(day=today)}
    figures = selectors.completeness_by_channel()
    assert (snapshots["google"].products, snapshots["google"].complete) == (2, 1)  # FULL has name and brand
    assert (snapshots["web"].products, snapshots["web"].complete) == (2, 0)  # web wants descriptions too
    assert {s.channel_id: (s.products, s.complete) for s in snapshots.values()} == {
        cid: (f.products, f.complete) for cid, f in figures.items()
    }
    services.product_create(actor=None, sku="MORE", family=catalog.toys, values={})
    completeness_snapshot()  # again the same day: replaces the day's figure
    assert CompletenessSnapshot.objects.filter(day=today).count() == 2
    assert CompletenessSnapshot.objects.get(day=today, channel__code="google").products == 3


def test_the_snapshot_runs_every_night_from_the_beat_schedule(db):
    task = PeriodicTask.objects.get(task="products.completeness_snapshot")
    assert task.enabled and (task.crontab.hour, task.crontab.minute) == ("23", "30")


def panel_for(user):
    request = RequestFactory().get("/admin/")
    request.user = user
    return completeness_chart_panel(request)


def test_the_chart_draws_one_line_per_channel_over_the_days(catalog, client):
    today = timezone.localdate()
    for n, complete in enumerate((1, 2, 4)):
        for channel in (catalog.web, catalog.google):
            CompletenessSnapshot.objects.create(
                day=today - timedelta(days=2 - n), channel=channel, products=4, complete=complete
            )
    [chart] = panel_for(catalog.merchandiser)
    google = next(s for s in chart.series if s.label == "google")
    assert [y for _x, y in google.points] == [25.0, 50.0, 100.0]
    assert [x for x, _y in google.points][-1] == f"{today:%d/%m}"
    line = next(line for line in chart.lines if line["label"] == "google")
    heights = [chart.baseline - y for _x, y, _l, _v in line["dots"]]
    assert heights[1] == pytest.approx(2 * heights[0], abs=0.2) and heights[2] == pytest.approx(
        4 * heights[0], abs=0.2
    )
    client.force_login(catalog.merchandiser)
    page = client.get("/admin/").content.decode()
    assert 'data-chart="completeness-history"' in page and 'data-series="google"' in page and "<svg" in page


def test_the_chart_is_for_merchandisers_and_channel_managers(catalog):
    assert panel_for(UserFactory(username="chloe", roles=[Role.CHANNEL_MANAGER]))
    assert panel_for(UserFactory(username="lea", roles=[Role.MARKETER])) == []
    [empty] = panel_for(catalog.merchandiser)
    assert empty.kind == "table" and not empty.rows  # no snapshot yet


def test_the_chart_coordinates_stay_numbers_for_a_french_reader(catalog, client):
    import re

    CompletenessSnapshot.objects.create(day=timezone.localdate(), channel=catalog.web, products=3, complete=1)
    catalog.merchandiser.language = "fr"
    catalog.merchandiser.save()
    client.force_login(catalog.merchandiser)
    page = client.get("/admin/").content.decode()
    coordinates = re.findall(r' c[xy]="([^"]*)"', page)
    assert coordinates and all(re.fullmatch(r"\d+(\.\d+)?", c) for c in coordinates)
