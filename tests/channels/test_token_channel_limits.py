"""A token limited to one channel reads that channel's data only in `GET /products/{sku}` and the product
list, as in the export: its prices, availability, channel-scoped values, completeness and pictures."""

import pytest

from apps.assets.models import ProductAsset
from tests.api_helpers import bearer, token_for
from tests.assets.factories import upload


@pytest.fixture
def toy(feeds):
    """Priced, stocked and described on google and web, with a picture for google only."""
    from apps.pricing.services import effective_prices_recompute

    product = feeds.sellable("TOY-1")
    effective_prices_recompute()
    ProductAsset.objects.create(
        product=product, asset=upload(), role=ProductAsset.Role.MAIN, channel=feeds.shop.google
    )
    return product


def channels_named(payload: dict) -> set[str]:
    named = {row["channel"] for row in payload["prices"]}
    named |= set(payload["availability"])
    named |= {
        channel for by_locale in payload["values"].values() for by in by_locale.values() for channel in by
    }
    named |= {row["channel"] for row in payload["completeness"]}
    named |= {row["channel"] for row in payload["assets"] if row["channel"]}
    return named - {"*"}


def test_an_unlimited_token_reads_every_channel(client, toy):
    payload = client.get("/api/v1/products/TOY-1", **bearer(token_for())).json()
    assert channels_named(payload) == {"google", "web"}
    assert [row["channel"] for row in payload["prices"]] == ["google", "web"]
    assert set(payload["availability"]) == {"google", "web"}


def test_a_token_limited_to_web_reads_only_webs_data_of_one_product(client, toy, feeds):
    web_only = bearer(token_for(channels=[feeds.shop.web], username="shop"))
    payload = client.get("/api/v1/products/TOY-1", **web_only).json()
    assert channels_named(payload) == {"web"}
    assert payload["values"]["brand"] == {"*": {"*": "Lutin"}}, "values for every channel stay"
    assert [row["channel"] for row in payload["prices"]] == ["web"]


def test_asking_for_another_channel_gives_nothing_of_it(client, toy, feeds):
    web_only = bearer(token_for(channels=[feeds.shop.web], username="shop"))
    payload = client.get("/api/v1/products/TOY-1?channels=google", **web_only).json()
    assert channels_named(payload) == set()


def test_the_product_list_is_limited_the_same_way(client, toy, feeds):
    web_only = bearer(token_for(channels=[feeds.shop.web], username="shop"))
    items = client.get("/api/v1/products", **web_only).json()["items"]
    assert [channels_named(item) for item in items] == [{"web"}]
