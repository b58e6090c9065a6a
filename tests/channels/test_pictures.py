"""Feeds show the DAM's pictures: the channel's rendition, never an expired one, never one too small."""

import xml.etree.ElementTree as ET
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from apps.assets import services as assets
from apps.assets.models import ProductAsset, Rendition
from apps.channels import services
from tests.assets.factories import RenditionSpecFactory, picture, upload
from tests.channels.helpers import read

PARIS = ZoneInfo("Europe/Paris")
G = "{http://base.google.com/ns/1.0}"


@pytest.fixture
def google_spec(feeds):
    return RenditionSpecFactory(code="google_feed", width=1200, height=1200, channel=feeds.shop.google)


def item_at(feeds, at):
    run = services.feed_build_start(actor=None, feed=feeds.google, at=at, preview=True)
    return run, ET.fromstring(read(run)).find("channel/item")


def test_the_feed_links_the_channels_rendition_of_the_main_picture(
    feeds, google_spec, django_capture_on_commit_callbacks
):
    toy = feeds.sellable("TOY-1", main_image={})
    with django_capture_on_commit_callbacks(execute=True):
        main = upload("toy.jpg", picture(1500, 1500), product=toy, role=ProductAsset.Role.MAIN)
        upload("side.jpg", picture(900, 900), product=toy)
    _run, item = item_at(feeds, datetime.now(PARIS))
    rendition = Rendition.objects.get(asset=main, spec=google_spec)
    assert (rendition.width, rendition.height) == (1200, 1200)
    assert item.find(f"{G}image_link").text == "http://localhost:8000" + rendition.file.url
    assert item.find(f"{G}additional_image_link").text.startswith("http://localhost:8000/media/")


def test_an_expired_picture_leaves_the_feed_at_the_expiry_instant(feeds, google_spec):
    toy = feeds.sellable("TOY-1", main_image={})
    asset = upload("toy.jpg", picture(1500, 1500), product=toy, role=ProductAsset.Role.MAIN)
    ends = datetime(2026, 12, 10, tzinfo=PARIS)
    assets.asset_update(actor=None, asset=asset, changes={"valid_until": ends})
    before, item = item_at(feeds, datetime(2026, 12, 9, 23, 59, tzinfo=PARIS))
    assert before.published == 1 and item.find(f"{G}image_link") is not None
    after, _item = item_at(feeds, ends)
    assert (after.published, after.held_back) == (0, 1)
    assert after.issues.get().rule == "image_link_url"


def test_a_main_picture_below_googles_minimum_holds_the_item_back(feeds, google_spec):
    toy = feeds.sellable("TOY-1", main_image={})
    upload("tiny.jpg", picture(80, 80), product=toy, role=ProductAsset.Role.MAIN)
    run, _item = item_at(feeds, datetime(2026, 12, 1, tzinfo=PARIS))
    issue = run.issues.get()
    assert issue.rule == "image_min_size" and "80×80" in issue.message


def test_a_linked_dam_main_picture_fills_the_main_image_requirement_and_the_item_goes_to_google(
    feeds, django_capture_on_commit_callbacks
):
    from apps.products.models import Attribute, Completeness
    from tests.products.factories import require

    shop = feeds.shop
    require(shop.toys, shop.google, Attribute.objects.get(code="main_image"))
    toy = feeds.sellable("TOY-1", main_image={})  # approved, priced, stocked; no main_image text
    from apps.products import services as product_services

    product_services.completeness_compute([toy])
    scores = Completeness.objects.get(product=toy).scores["google"]["fr_FR"]
    assert scores["missing"] == ["main_image"]
    with django_capture_on_commit_callbacks(execute=True):
        upload("toy.jpg", picture(800, 800), product=toy, role=ProductAsset.Role.MAIN)
    scores = Completeness.objects.get(product=toy).scores["google"]["fr_FR"]
    assert (scores["ratio"], scores["missing"]) == (100, [])
    run = services.feed_build_start(actor=None, feed=feeds.google)
    assert (run.published, run.held_back) == (1, 0), list(run.issues.values_list("message", flat=True))
    # unlinked again: the requirement is missing again
    with django_capture_on_commit_callbacks(execute=True):
        assets.product_asset_unlink(actor=None, link=ProductAsset.objects.get(product=toy))
    assert Completeness.objects.get(product=toy).scores["google"]["fr_FR"]["missing"] == ["main_image"]


def test_only_usable_image_links_count_as_a_products_picture(feeds, django_capture_on_commit_callbacks):
    from apps.assets.selectors import pictured

    toy = feeds.sellable("TOY-2", main_image={})
    with django_capture_on_commit_callbacks(execute=True):
        upload("toy.jpg", picture(800, 800), product=toy, role=ProductAsset.Role.MAIN)
    assert pictured([toy.pk]) == {toy.pk: {"*"}}
    other = feeds.sellable("TOY-3", main_image={})
    note = assets.asset_upload(actor=None, name="notes.pdf", data=b"%PDF-1.4\n%%EOF\n").asset
    ProductAsset.objects.create(product=other, asset=note, role=ProductAsset.Role.GALLERY, position=1)
    assert pictured([other.pk]) == {}
