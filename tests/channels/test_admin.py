"""The channel manager's screens: feeds, runs, held-back items, build now, preview at, diff, download."""

import pytest
from django.utils import timezone

from apps.channels import services
from apps.channels.models import Feed, FeedIssue, FeedRun
from apps.core.models import Role
from tests.core.factories import UserFactory


@pytest.fixture
def manager(client, feeds):
    client.force_login(UserFactory(username="chloe", roles=[Role.CHANNEL_MANAGER]))
    return client


@pytest.fixture
def runs(feeds):
    feeds.sellable("GOOD")
    feeds.sellable("NOBRAND", brand={})
    first = services.feed_build_start(actor=None, feed=feeds.google)
    feeds.sellable("NEW")
    second = services.feed_build_start(actor=None, feed=feeds.google)
    return first, second


@pytest.mark.parametrize(
    "url",
    [
        "/admin/channels/feed/",
        "/admin/channels/feedrun/",
        "/admin/channels/feedrun/?status__exact=succeeded",
        "/admin/channels/feedissue/",
        "/admin/channels/feedissue/?rule=complete",
        "/admin/channels/pulltoken/",
    ],
)
def test_lists_answer_in_bounded_queries(manager, runs, url, django_assert_max_num_queries):
    with django_assert_max_num_queries(15):
        assert manager.get(url).status_code == 200


def test_a_run_page_links_its_held_back_items_to_the_products(manager, runs):
    _first, second = runs
    page = manager.get(f"/admin/channels/feedrun/{second.pk}/change/").content.decode()
    assert f"?run__id__exact={second.pk}" in page
    issues = manager.get(f"/admin/channels/feedissue/?run__id__exact={second.pk}").content.decode()
    product = FeedIssue.objects.get(run=second).product
    assert f"/admin/products/product/{product.pk}/change/" in issues and "brand" in issues


def test_build_now_from_the_feed_page_publishes_a_new_run(manager, runs, feeds):
    response = manager.get(f"/admin/channels/feed/{feeds.google.pk}/build/", follow=True)
    assert response.status_code == 200
    feeds.google.refresh_from_db()
    assert feeds.google.current_run == FeedRun.objects.latest("id")
    assert "2 published, 1 held back" in response.content.decode()


def test_preview_at_an_instant_builds_a_preview_run_without_serving_it(manager, runs, feeds):
    serving = Feed.objects.get(pk=feeds.google.pk).current_run
    url = f"/admin/channels/feed/{feeds.google.pk}/preview/"
    assert manager.get(url).status_code == 200
    response = manager.post(url, {"at_0": "2026-12-01", "at_1": "00:00"})
    preview = FeedRun.objects.latest("id")
    assert response.status_code == 302 and preview.preview
    assert timezone.localtime(preview.at).isoformat() == "2026-12-01T00:00:00+01:00"
    assert Feed.objects.get(pk=feeds.google.pk).current_run == serving


def test_the_diff_lists_the_items_added_since_the_previous_run(manager, runs):
    _first, second = runs
    page = manager.get(f"/admin/channels/feedrun/{second.pk}/diff/").content.decode()
    assert "1 item added" in page and "<li>NEW</li>" in page


def test_the_file_of_a_run_can_be_downloaded_by_staff(manager, runs):
    _first, second = runs
    response = manager.get(f"/admin/channels/feedrun/{second.pk}/download/")
    assert response.status_code == 200 and b"<g:id>NEW</g:id>" in b"".join(response.streaming_content)


def test_a_feed_is_created_in_the_admin_with_its_schedule(manager, feeds):
    response = manager.post(
        "/admin/channels/feed/add/",
        {
            "channel": feeds.shop.web.pk, "name": "shop", "format": "jsonl", "locale": "fr_FR",
            "mapping": "{}", "link_template": "{base_url}/p/{sku}", "sold_out": "out_of_stock",
            "strip_html": "", "is_active": "on", "cron": "*/15 * * * *",
            "runs-TOTAL_FORMS": "0", "runs-INITIAL_FORMS": "0",
        },
    )  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:2000]
    feed = Feed.objects.get(name="shop")
    assert feed.schedule.task == "channels.feed_build" and feed.schedule.crontab.minute == "*/15"


def test_a_merchandiser_sees_runs_but_cannot_build(client, runs, feeds):
    client.force_login(feeds.shop.merchandiser)
    assert client.get("/admin/channels/feedrun/").status_code == 200
    client.get(f"/admin/channels/feed/{feeds.google.pk}/build/")
    assert FeedRun.objects.count() == 2


def test_a_finished_run_offers_no_cancel_and_a_running_one_does(manager, runs, feeds):
    _first, finished = runs
    page = manager.get(f"/admin/channels/feedrun/{finished.pk}/change/").content.decode()
    assert "/cancel/" not in page
    running = FeedRun.objects.create(feed=feeds.google, status=FeedRun.Status.RUNNING, at=timezone.now())
    page = manager.get(f"/admin/channels/feedrun/{running.pk}/change/").content.decode()
    assert f"/admin/channels/feedrun/{running.pk}/cancel/" in page


def test_people_without_the_build_right_see_no_build_link(client, runs, feeds):
    client.force_login(feeds.shop.merchandiser)
    page = client.get(f"/admin/channels/feed/{feeds.google.pk}/change/")
    assert page.status_code == 200
    assert f"/admin/channels/feed/{feeds.google.pk}/build/" not in page.content.decode()
    assert "/preview/" not in page.content.decode()


@pytest.mark.parametrize(
    "feed_format", [Feed.Format.GOOGLE, Feed.Format.META, Feed.Format.CSV, Feed.Format.JSONL]
)
def test_a_runs_page_shows_its_first_items_with_price_and_availability(manager, feeds, feed_format):
    """A preview is read item by item, not only counted: what the channel would receive at that instant."""
    feeds.sellable("TOY-1", price="24.90")
    feed = feeds.google
    feed.format = feed_format
    feed.save()
    run = services.feed_build_start(actor=None, feed=feed, preview=True)
    page = manager.get(f"/admin/channels/feedrun/{run.pk}/change/").content.decode()
    table = page[page.index('class="noel-items"') :]
    assert "TOY-1" in table and "24.90" in table
    assert "in stock" in table or "in_stock" in table
