import pytest

from apps.products import services as products
from tests.assets.factories import RenditionSpecFactory


@pytest.fixture
def catalog(shop):
    """The shop with a few toys and a Google feed image spec (1200×1200 JPEG, main pictures ≥ 500×500)."""
    shop.products = [
        products.product_create(actor=None, sku=f"TOY-{n}", family=shop.toys) for n in range(1, 4)
    ]
    shop.google_spec = RenditionSpecFactory(
        code="google_feed",
        width=1200,
        height=1200,
        channel=shop.google,
        min_source_width=500,
        min_source_height=500,
    )
    return shop
