"""feed_images, the contract the channel feeds call."""

from datetime import timedelta

import pytest
import time_machine
from django.core.files.storage import default_storage
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.assets import selectors, services
from apps.assets.models import ProductAsset, Rendition
from apps.assets.selectors import FeedImage
from apps.products import services as products
from tests.assets.factories import picture, upload

pytestmark = pytest.mark.django_db
Role = ProductAsset.Role


def link(product, asset, role=Role.GALLERY, position=None, channel=None):
    return services.product_asset_link(
        actor=None, product=product, asset=asset, role=role, position=position, channel=channel
    )


def test_main_first_then_gallery_by_position_with_the_channel_rendition_or_else_the_original(
    catalog, django_capture_on_commit_callbacks
):
    toy = catalog.products[0]
    with django_capture_on_commit_callbacks(execute=True):
        main = upload(data=picture(1600, 1600))
    g2, g1 = upload(data=picture(640, 480)), upload(data=picture(500, 500))
    link(toy, g2, position=2)
    link(toy, g1, position=1)
    link(toy, main, Role.MAIN)
    link(toy, upload(), Role.SWATCH)
    rendition = Rendition.objects.get(asset=main, spec=catalog.google_spec)
    images = selectors.feed_images([toy.pk], catalog.google, timezone.now())
    assert images == {
        toy.pk: [
            FeedImage(default_storage.url(rendition.file.name), 1200, 1200, "main", main.pk),
            FeedImage(default_storage.url(g1.file.name), 500, 500, "gallery", g1.pk),
            FeedImage(default_storage.url(g2.file.name), 640, 480, "gallery", g2.pk),
        ]
    }


def test_a_rendition_of_an_older_source_is_not_used(catalog, django_capture_on_commit_callbacks):
    toy = catalog.products[0]
    with django_capture_on_commit_callbacks(execute=True):
        asset = upload(data=picture(1600, 1600))
    link(toy, asset, Role.MAIN)
    services.asset_replace(actor=None, asset=asset, name="new.jpg", data=picture(900, 700))  # not yet remade
    [image] = selectors.feed_images([toy.pk], catalog.google, timezone.now())[toy.pk]
    asset.refresh_from_db()
    assert (image.url, image.width, image.height) == (default_storage.url(asset.file.name), 900, 700)


def test_a_channel_link_overrides_the_general_ones_of_its_role_on_that_channel_only(catalog):
    toy = catalog.products[0]
    general, special = upload(), upload()
    link(toy, general, Role.MAIN)
    link(toy, special, Role.MAIN, channel=catalog.google)
    now = timezone.now()
    assert [i.asset_id for i in selectors.feed_images([toy.pk], catalog.google, now)[toy.pk]] == [special.pk]
    assert [i.asset_id for i in selectors.feed_images([toy.pk], catalog.web, now)[toy.pk]] == [general.pk]


def test_archived_assets_are_left_out_and_a_variant_shows_its_models_pictures(catalog):
    model = products.product_create(
        actor=None, sku="JUMPER", family=catalog.apparel, is_model=True, family_variant=catalog.by_color_size
    )
    variant = products.product_create(
        actor=None,
        sku="JUMPER-RED-S",
        family=catalog.apparel,
        parent=model,
        values={"color": {"*": {"*": "red"}}, "size": {"*": {"*": "s"}}},
    )
    shown, withdrawn = upload(), upload()
    link(model, shown, Role.MAIN)
    link(model, withdrawn)
    services.asset_archive(actor=None, asset=withdrawn)
    images = selectors.feed_images([variant.pk], catalog.web, timezone.now())
    assert [(i.asset_id, i.role) for i in images[variant.pk]] == [(shown.pk, "main")]


def test_an_asset_leaves_the_feed_at_the_instant_its_rights_expire(catalog):
    toy = catalog.products[0]
    expiry = timezone.now() + timedelta(days=3)
    asset = upload()
    services.asset_update(actor=None, asset=asset, changes={"valid_until": expiry})
    link(toy, asset, Role.MAIN)
    with time_machine.travel(expiry - timedelta(microseconds=1), tick=False):
        assert selectors.feed_images([toy.pk], catalog.google, timezone.now())[toy.pk] != []
    with time_machine.travel(expiry, tick=False):
        assert selectors.feed_images([toy.pk], catalog.google, timezone.now())[toy.pk] == []


def test_the_query_count_does_not_grow_with_the_number_of_products(
    catalog, django_capture_on_commit_callbacks
):
    many = [products.product_create(actor=None, sku=f"MANY-{n}", family=catalog.toys) for n in range(12)]
    with django_capture_on_commit_callbacks(execute=True):
        for product in many:
            link(product, upload(data=picture(600, 600)), Role.MAIN)
            link(product, upload(data=picture(600, 600)))
    now = timezone.now()
    with CaptureQueriesContext(connection) as one:
        selectors.feed_images([many[0].pk], catalog.google, now)
    with CaptureQueriesContext(connection) as twelve:
        images = selectors.feed_images([p.pk for p in many], catalog.google, now)
    assert len(one) == len(twelve) == 3
    assert all(len(images[p.pk]) == 2 for p in many)
