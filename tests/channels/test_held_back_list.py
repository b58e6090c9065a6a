"""The held-back items list shows each feed's latest run by default: an item once, not once per run."""

import re

import pytest

from apps.channels import services
from apps.core.models import Role
from tests.core.factories import UserFactory

pytestmark = pytest.mark.django_db
URL = "/admin/channels/feedissue/"


def _skus(client, query: str = "") -> list[str]:
    page = client.get(URL + query).content.decode()
    return re.findall(r'href="/admin/products/product/\d+/change/">(\w+)</a>', page)


def test_the_held_back_list_shows_each_feeds_latest_run_unless_asked_for_every_run(feeds, client):
    feeds.sellable("GOOD")
    feeds.sellable("NOBRAND", brand={}, description={})
    first = services.feed_build_start(actor=None, feed=feeds.google)
    second = services.feed_build_start(actor=None, feed=feeds.google)
    held = second.issues.count()
    assert held >= 1 and first.issues.count() == held
    client.force_login(UserFactory(username="chloe", roles=[Role.CHANNEL_MANAGER], language="en"))
    assert _skus(client) == ["NOBRAND"] * held
    assert _skus(client, "?runs=all") == ["NOBRAND"] * (2 * held)
    assert _skus(client, f"?run__id__exact={first.pk}") == ["NOBRAND"] * held
    page = client.get(URL).content.decode()
    assert "latest run of each feed" in page and "every run" in page
    # a preview's issues are not the feed's latest run
    services.feed_build_start(actor=None, feed=feeds.google, preview=True)
    assert _skus(client) == ["NOBRAND"] * held
