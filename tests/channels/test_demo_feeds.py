"""The demo's feeds, built from `seed_demo` data: each publishes most of its items, and what completeness
calls complete for a channel is what that channel's feed accepts."""

import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings

from apps.channels import services
from apps.channels.models import Feed, FeedIssue
from tests.channels.helpers import read

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker, tmp_path_factory):
    """The demo loaded once for the module, inside a transaction rolled back at its end (each test's own
    builds are rolled back after it)."""
    media = tmp_path_factory.mktemp("demo-feeds-media")
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=media), transaction.atomic():
        call_command("seed_demo", products=200, stdout=StringIO())
        yield media
        transaction.set_rollback(True)


@pytest.fixture(autouse=True)
def _demo_media(demo, settings):
    settings.MEDIA_ROOT = demo


def test_every_demo_feed_publishes_at_least_nine_items_in_ten():
    feeds = list(Feed.objects.select_related("channel").order_by("channel__code"))
    assert len(feeds) == 6
    for feed in feeds:
        run = services.feed_build_start(actor=None, feed=feed)
        sent = run.items - run.dropped
        reasons = sorted(set(FeedIssue.objects.filter(run=run).values_list("message", flat=True)))[:5]
        assert sent > 0, f"{feed}: no items"
        assert run.published >= 0.9 * sent, f"{feed}: {run.published} of {sent} published; {reasons}"
        assert not run.warning, f"{feed}: {run.warning}"


def test_a_feed_holds_back_no_complete_item_for_a_field_its_channel_requires():
    """Completeness and the channel's rules agree: an item held back by a rule on a required field was
    already incomplete for that channel (the reason is then completeness, never the rule alone)."""
    for feed in Feed.objects.select_related("channel"):
        run = services.feed_build_start(actor=None, feed=feed)
        incomplete = set(FeedIssue.objects.filter(run=run, rule="complete").values_list("sku", flat=True))
        required = FeedIssue.objects.filter(run=run, message__endswith=" is required").exclude(
            sku__in=incomplete
        )
        assert not required.exists(), f"{feed}: {list(required.values_list('sku', 'message')[:5])}"


def test_the_demo_announces_its_christmas_campaign_on_google_and_links_the_products_to_it():
    """The promotions feed publishes every promotion of the approved campaigns (NOEL before it starts)
    and the shared code; the product feed's decorations carry NOEL-DECO, the ids the promotions feed has."""
    promotions = Feed.objects.get(channel__code="google", format=Feed.Format.GOOGLE_PROMOTIONS)
    run = services.feed_build_start(actor=None, feed=promotions)
    assert (run.status, run.held_back) == ("succeeded", 0), list(
        FeedIssue.objects.filter(run=run).values_list("sku", "message")
    )
    text = read(run)
    published = set(re.findall(r"<g:promotion_id>([^<]+)</g:promotion_id>", text))
    assert published == {"HIVER-PULLS", "NOEL-DECO", "NOEL-CHOC", "NOEL10"}
    assert "<g:generic_redemption_code>NOEL10</g:generic_redemption_code>" in text
    assert "XM-" not in text, "single-use codes are not announced"
    products = Feed.objects.get(channel__code="google", format=Feed.Format.GOOGLE)
    carried = set(
        re.findall(
            r"<g:promotion_id>([^<]+)</g:promotion_id>",
            read(services.feed_build_start(actor=None, feed=products)),
        )
    )
    assert "NOEL-DECO" in carried and carried <= published
