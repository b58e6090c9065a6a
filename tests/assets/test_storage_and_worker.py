"""Real components: S3 through django-storages against moto's server on localhost, and renditions made
by a Celery worker process through the broker."""

import urllib.request

import pytest

from apps.assets import selectors
from apps.assets.models import ProductAsset, Rendition
from apps.assets.tasks import renditions_generate
from apps.products import services as products
from tests.assets.factories import RenditionSpecFactory, picture, upload
from tests.s3 import create_bucket


@pytest.fixture
def s3(settings, s3_server):
    """Media on S3 (moto's server), configured as production does."""
    settings.AWS_STORAGE_BUCKET_NAME = "noel-media"
    settings.AWS_S3_FILE_OVERWRITE = False
    create_bucket(s3_server, "noel-media")
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "storages.backends.s3.S3Storage"}}
    return s3_server


@pytest.mark.django_db
def test_an_asset_and_its_rendition_are_stored_on_s3_and_served_from_their_url(
    s3, catalog, django_capture_on_commit_callbacks
):
    data = picture(1500, 1500)
    with django_capture_on_commit_callbacks(execute=True):
        asset = upload("sapin.jpg", data, product=catalog.products[0], role=ProductAsset.Role.MAIN)
    keys = {obj["Key"] for obj in s3.list_objects_v2(Bucket="noel-media")["Contents"]}
    rendition = Rendition.objects.get(asset=asset, spec=catalog.google_spec)
    assert {asset.file.name, rendition.file.name} <= keys
    assert s3.get_object(Bucket="noel-media", Key=asset.file.name)["Body"].read() == data
    [image] = selectors.feed_images([catalog.products[0].pk], catalog.google, at=asset.created_at)[
        catalog.products[0].pk
    ]
    assert (image.width, image.height) == (1200, 1200) and image.url.startswith(s3.meta.endpoint_url)
    with urllib.request.urlopen(image.url) as response:
        assert response.read()[:3] == b"\xff\xd8\xff"


@pytest.fixture
def worker_spec_and_asset(transactional_db, shop):
    """Made before the worker starts, while tasks still run in-process; its renditions are then dropped."""
    spec = RenditionSpecFactory(code="worker_spec", width=100, height=100, format="WEBP")
    toy = products.product_create(actor=None, sku="TOY-W", family=shop.toys)
    asset = upload("w.jpg", picture(400, 200), product=toy)
    Rendition.objects.filter(asset=asset).delete()
    return spec, asset


def test_renditions_are_made_by_a_celery_worker_process(worker_spec_and_asset, worker):
    spec, asset = worker_spec_and_asset
    made = renditions_generate.apply_async(args=[[asset.pk], [spec.pk]], queue=worker).get(timeout=60)
    rendition = Rendition.objects.get(asset=asset, spec=spec)
    assert made == 1 and (rendition.width, rendition.height) == (100, 50)
    assert rendition.file.storage.exists(rendition.file.name)
