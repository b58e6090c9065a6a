"""The feeds fixture: a Google feed over the test shop, with a warehouse serving Google and the web."""

from types import SimpleNamespace

import pytest

from apps.channels import services
from apps.channels.models import Feed
from apps.products.models import Attribute
from tests.channels.helpers import sellable
from tests.inventory.factories import LocationFactory
from tests.products.factories import AttributeFactory


@pytest.fixture
def feeds(shop):
    shop.google.base_url = "https://shop.example"
    shop.google.save()
    shop.web.base_url = "https://shop.example"
    shop.web.save()
    image = AttributeFactory(code="main_image", type=Attribute.Type.MEDIA)
    shop.toys.attributes.add(image)
    shop.apparel.attributes.add(image)
    LocationFactory(code="WH", channels=[shop.google, shop.web])
    google = services.feed_create(
        actor=None, channel=shop.google, name="products", format=Feed.Format.GOOGLE, locale="fr_FR"
    )
    return SimpleNamespace(shop=shop, google=google, sellable=lambda sku, **kw: sellable(shop, sku, **kw))
