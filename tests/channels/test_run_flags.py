"""A run that publishes nothing, or far fewer items than the last good run, is flagged with its reason on
the run, on the feed list and on the dashboard, never shown as a plain green success."""

import pytest

from apps.channels import services
from apps.channels.models import FeedRun
from apps.core.models import Role
from apps.products.models import Product
from tests.channels.test_dashboard import cells, panel_for
from tests.core.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_a_run_that_publishes_none_of_its_items_is_flagged_with_the_commonest_reason(feeds, client):
    for sku in ("A", "B"):
        feeds.sellable(sku, brand={}, description={})  # Google needs a description: both held back
    run = services.feed_build_start(actor=None, feed=feeds.google)
    assert (run.status, run.items, run.published) == (FeedRun.Status.SUCCEEDED, 2, 0)
    assert run.warning["code"] == "none_published" and run.warning["count"] == 2
    assert run.warning_text().startswith("published none of its 2 items — most held back for: ")

    manager = UserFactory(username="chloe", roles=[Role.CHANNEL_MANAGER])
    client.force_login(manager)
    runs = client.get("/admin/channels/feedrun/").content.decode()
    assert "Succeeded, flagged" in runs and "published none of its 2 items" in runs
    detail = client.get(f"/admin/channels/feedrun/{run.pk}/change/").content.decode()
    assert "published none of its 2 items" in detail
    feeds_list = client.get("/admin/channels/feed/").content.decode()
    assert "Succeeded, flagged" in feeds_list and "published none of its 2 items" in feeds_list
    row = cells(panel_for(manager), "google/products.xml")
    assert row["Last run"].alert and "published none of its 2 items" in row["Last run"].text


def test_a_run_publishing_less_than_half_of_the_last_good_run_is_flagged(feeds):
    products = [feeds.sellable(sku) for sku in ("A", "B", "C", "D", "E")]
    good = services.feed_build_start(actor=None, feed=feeds.google)
    assert (good.published, good.warning) == (5, {})
    Product.objects.filter(pk__in=[p.pk for p in products[:3]]).update(enabled=False)
    shrunk = services.feed_build_start(actor=None, feed=feeds.google)
    assert shrunk.published == 2
    assert shrunk.warning == {"code": "fewer_than_last", "published": 2, "last": 5, "run": good.pk}
    assert "less than half of the 5 of the last good run" in shrunk.warning_text()
    # the next run compares with the last good one, not with the flagged one
    again = services.feed_build_start(actor=None, feed=feeds.google)
    assert again.warning["last"] == 5


def test_a_run_as_large_as_the_last_one_is_not_flagged(feeds):
    feeds.sellable("A", brand={}, description={})
    flagged = services.feed_build_start(actor=None, feed=feeds.google)
    assert flagged.warning_text() == (
        "published none of its 1 item — most held back for: description is required (1 item)"
    )
    feeds.sellable("B")
    fine = services.feed_build_start(actor=None, feed=feeds.google)
    assert flagged.warning and not fine.warning and fine.warning_text() == ""
