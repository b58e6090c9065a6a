"""Why an item was held back is stored once, by a job that has no reader, and read later by people in
French or English: each reads it in their own language; rows stored before the message's parts were kept
show their English text as it was."""

import pytest
from django.utils import translation

from apps.channels import services
from apps.channels.models import FeedIssue
from apps.core.models import Role
from apps.core.stored_text import readable, said
from apps.pricing.models import Price
from apps.quality.models import Finding
from tests.core.factories import UserFactory

pytestmark = pytest.mark.django_db
URL = "/admin/channels/feedissue/"


def _unpriced(feeds):
    item = feeds.sellable("NOPRICE")
    Price.objects.filter(product=item, channel=feeds.shop.google).delete()
    run = services.feed_build_start(actor=None, feed=feeds.google)
    return item, run.issues.get(sku="NOPRICE", message="no price on this channel")


def test_a_held_back_reason_is_stored_in_english_and_read_in_french_by_a_french_reader(feeds, client):
    _item, issue = _unpriced(feeds)
    assert issue.message_parts == [{"code": "no price on this channel", "params": {}}]
    for language, shown, hidden in (
        ("fr", "aucun prix sur ce canal", "no price on this channel"),
        ("en", "no price on this channel", "aucun prix sur ce canal"),
    ):
        reader = UserFactory(username=f"chloe_{language}", roles=[Role.CHANNEL_MANAGER], language=language)
        client.force_login(reader)
        page = client.get(URL).content.decode()
        assert shown in page and hidden not in page, language


def test_the_products_feed_finding_says_the_reason_in_the_readers_language(feeds):
    item, _issue = _unpriced(feeds)
    finding = Finding.objects.get(rule="feed_held_back", product=item, resolved_at__isnull=True)
    assert "no price on this channel" in finding.message
    with translation.override("fr"):
        assert "aucun prix sur ce canal" in finding.readable_message
        assert "no price on this channel" not in finding.readable_message


def test_a_row_stored_before_parts_were_kept_shows_its_english_text(feeds, client):
    _item, issue = _unpriced(feeds)
    FeedIssue.objects.filter(pk=issue.pk).update(message_parts=[])
    client.force_login(UserFactory(username="chloe", roles=[Role.CHANNEL_MANAGER], language="fr"))
    assert "no price on this channel" in client.get(URL).content.decode()


def test_a_template_that_no_longer_fits_its_stored_parameters_falls_back_to_the_stored_text():
    stored = said("%(field)s is required", field="description")
    parts = [{**stored.parts[0], "params": {"other": "x"}}]
    assert readable(parts, str(stored)) == "description is required"
    assert readable(stored.parts, str(stored)) == "description is required"
