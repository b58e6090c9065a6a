"""A channel that takes another's scoped values where it has none of its own (Akeneo's `ecommerce` texts
reaching Noel's Google channel): the feed, completeness, the API and the product form read them alike."""

import pytest
from django.core.exceptions import ValidationError

from apps.channels import services
from apps.core.services import channel_fallbacks_set
from apps.products import selectors as product_selectors
from apps.products import values as vals
from apps.products.models import Product
from tests.api_helpers import bearer, token_for
from tests.channels.test_build import google_items
from tests.core.factories import UserFactory
from tests.products.factories import ChannelFactory


def web_only(feeds, sku: str, **values) -> Product:
    """A sellable toy whose description is scoped to the web shop only, as Akeneo scopes to ecommerce."""
    return feeds.sellable(sku, description={"fr_FR": {"web": f"Texte web {sku}"}}, **values)


def build(feeds):
    return services.feed_build_start(actor=None, feed=feeds.google, at=None)


@pytest.fixture
def chain(django_capture_on_commit_callbacks):
    """Set a channel's chain as the admin does: completeness is recomputed once it is committed."""

    def set_chain(channel, fallbacks):
        with django_capture_on_commit_callbacks(execute=True):
            channel_fallbacks_set(actor=None, channel=channel, fallbacks=fallbacks)

    return set_chain


def test_without_a_chain_a_value_scoped_to_another_channel_holds_the_item_back(feeds):
    web_only(feeds, "TOY-1")
    run = build(feeds)
    assert (run.published, run.held_back) == (0, 1)
    assert "description" in run.issues.get(rule="complete").message


def test_a_channel_takes_the_scoped_values_of_the_channel_it_names_and_completeness_agrees(feeds, chain):
    shop = feeds.shop
    product = web_only(feeds, "TOY-1")
    chain(shop.google, ["web"])
    score = product_selectors.completeness_scores([product.pk], channel="google", locale="fr_FR")[product.pk]
    assert (score.ratio, score.missing) == (100, [])
    run = build(feeds)
    assert (run.published, run.held_back) == (1, 0)
    assert google_items(run)["TOY-1"]["description"] == "Texte web TOY-1"


def test_a_value_of_the_channel_itself_wins_over_the_one_it_takes(feeds, chain):
    shop = feeds.shop
    feeds.sellable("TOY-2", description={"fr_FR": {"web": "Texte web", "google": "Texte Google"}})
    chain(shop.google, ["web"])
    assert google_items(build(feeds))["TOY-2"]["description"] == "Texte Google"


def test_the_chain_is_followed_in_order_through_the_channels_it_names_each_once():
    fallbacks = {"google": ["ecommerce", "print"], "ecommerce": ["mobile", "google"], "print": []}
    assert vals.channel_chain("google", fallbacks) == ("google", "ecommerce", "mobile", "print")
    values = {"description": {"fr_FR": {"mobile": "Mobile", "print": "Print"}}}
    chain = vals.channel_chain("google", fallbacks)
    assert vals.value_of(values, "description", "fr_FR", "google", chain) == "Mobile"
    assert vals.value_source(values, "description", "fr_FR", "google", chain) == ("Mobile", "mobile")
    assert vals.value_of(values, "description", "fr_FR", "google") is None


@pytest.mark.parametrize(
    ("fallbacks", "message"),
    [(["google"], "itself"), (["web", "web"], "once"), (["ecommerce"], "Unknown channel(s): ecommerce")],
)
def test_a_chain_naming_itself_an_unknown_channel_or_a_channel_twice_is_refused(shop, fallbacks, message):
    with pytest.raises(ValidationError) as refused:
        channel_fallbacks_set(actor=None, channel=shop.google, fallbacks=fallbacks)
    assert message in " ".join(refused.value.messages)
    shop.google.refresh_from_db()
    assert shop.google.fallbacks == []


def test_the_api_read_for_a_channel_shows_the_values_it_takes_and_where_they_come_from(feeds, chain, client):
    shop = feeds.shop
    web_only(feeds, "TOY-1")
    chain(shop.google, ["web"])
    headers = bearer(token_for(channels=[shop.google]))
    item = client.get("/api/v1/products?channels=google", **headers).json()["items"][0]
    assert item["values"]["description"] == {"fr_FR": {"google": "Texte web TOY-1"}}
    assert item["inherited_from"] == {"description-fr_FR-google": "web"}
    whole = client.get("/api/v1/products", **bearer(token_for(username="erp2"))).json()["items"][0]
    assert whole["values"]["description"] == {"fr_FR": {"web": "Texte web TOY-1"}}
    assert "inherited_from" not in whole


def test_the_product_form_says_which_channel_an_empty_channel_value_comes_from(feeds, chain, client):
    shop = feeds.shop
    product = web_only(feeds, "TOY-1")
    chain(shop.google, ["web"])
    client.force_login(UserFactory(username="boss", is_superuser=True, is_staff=True))
    page = client.get(f"/admin/products/product/{product.pk}/change/").content.decode()
    assert "Inherited from the channel web: Texte web TOY-1" in page
    assert "google takes web" in page


def test_the_channel_admin_saves_a_chain_and_refuses_a_channel_that_does_not_exist(shop, client):
    ChannelFactory(code="ecommerce")
    client.force_login(UserFactory(username="boss", is_superuser=True, is_staff=True))
    url = f"/admin/core/channel/{shop.google.pk}/change/"
    form = {
        "code": "google",
        "name": "Google",
        "kind": "google",
        "currency": "EUR",
        "locales": [loc.pk for loc in shop.google.locales.all()],
        "is_active": "on",
    }
    refused = client.post(url, {**form, "fallbacks": "ecomerce"})
    assert "Unknown channel(s): ecomerce" in refused.content.decode()
    client.post(url, {**form, "fallbacks": "ecommerce, web"})
    shop.google.refresh_from_db()
    assert shop.google.fallbacks == ["ecommerce", "web"]
