"""Channels pull their feed with a token; unchanged feeds answer 304; gzip when asked."""

import gzip

import pytest

from apps.channels import services, views
from apps.channels.models import PullToken
from tests.channels.helpers import read

URL = "/feeds/google/products.xml"


@pytest.fixture
def published(feeds):
    feeds.sellable("TOY-1")
    run = services.feed_build_start(actor=None, feed=feeds.google)
    token = services.pull_token_create(actor=None, channel=feeds.shop.google)
    return run, token


@pytest.fixture(autouse=True)
def no_memory(settings):
    """Every answer from the database, unless a test turns the pull memory on."""
    settings.NOEL_FEED_PULL_MEMORY = 0
    views._recent.clear()


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def test_the_channel_gets_its_last_good_file_with_cache_validators(client, published):
    run, token = published
    response = client.get(URL, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert body(response).decode() == read(run)
    assert response["ETag"] == f'"{run.checksum}"' and response["Last-Modified"]
    assert response["Content-Type"].startswith("application/xml")


def test_an_unchanged_feed_answers_304_from_one_or_two_queries(
    client, published, django_assert_max_num_queries
):
    run, token = published
    client.get(URL, headers={"Authorization": f"Bearer {token}"})
    with django_assert_max_num_queries(2):
        response = client.get(URL, {"token": token}, headers={"If-None-Match": f'"{run.checksum}"'})
    assert response.status_code == 304 and response["ETag"] == f'"{run.checksum}"'
    since = client.get(URL, {"token": token}, headers={"If-Modified-Since": response["Last-Modified"]})
    assert since.status_code == 304


def test_gzip_is_served_when_asked_and_unpacks_to_the_same_bytes(client, published):
    run, token = published
    response = client.get(URL, {"token": token}, headers={"Accept-Encoding": "gzip, br"})
    assert response["Content-Encoding"] == "gzip"
    assert gzip.decompress(body(response)).decode() == read(run)


@pytest.mark.parametrize("url", [URL, "/feeds/nowhere/products.xml"])
def test_a_wrong_or_revoked_token_gets_401_and_nothing_else(client, published, url):
    _run, token = published
    assert client.get(url, {"token": "noel_nope_secret"}).status_code == 401
    assert client.get(url).status_code == 401
    services.pull_token_revoke(actor=None, token=PullToken.objects.get())
    response = client.get(url, {"token": token})
    assert response.status_code == 401 and b"TOY" not in response.content


def test_another_channels_token_does_not_open_this_channels_feed(client, published, feeds):
    web_token = services.pull_token_create(actor=None, channel=feeds.shop.web)
    assert client.get(URL, {"token": web_token}).status_code == 401


def test_an_unbuilt_or_unknown_file_is_404_for_a_valid_token(client, published):
    _run, token = published
    assert client.get("/feeds/google/products.csv", {"token": token}).status_code == 404
    assert client.get("/feeds/google/other.xml", {"token": token}).status_code == 404


def test_a_polling_channel_gets_its_304_without_a_query_while_the_answer_is_remembered(
    client, published, settings, django_assert_num_queries
):
    run, token = published
    settings.NOEL_FEED_PULL_MEMORY = 60
    headers = {"If-None-Match": f'"{run.checksum}"'}
    assert client.get(URL, {"token": token}, headers=headers).status_code == 304
    with django_assert_num_queries(0):
        assert client.get(URL, {"token": token}, headers=headers).status_code == 304
    services.pull_token_revoke(actor=None, token=PullToken.objects.get())
    views._recent.clear()  # what NOEL_FEED_PULL_MEMORY seconds do
    assert client.get(URL, {"token": token}, headers=headers).status_code == 401


@pytest.mark.parametrize(
    ("accept", "packed"),
    [
        ("gzip;q=0", False),
        ("gzip; q=0.0, identity", False),
        ("*;q=0.5, gzip;q=0", False),
        ("GZIP;Q=0.8", True),
        ("*", True),
        ("deflate, br", False),
        ("x-gzip-nope", False),
    ],
)
def test_gzip_follows_the_accept_encoding_weights(client, published, accept, packed):
    """ "gzip;q=0" means "never gzip" (RFC 9110 §12.5.3): the plain file, not a packed one."""
    run, token = published
    response = client.get(URL, {"token": token}, headers={"Accept-Encoding": accept})
    assert response.has_header("Content-Encoding") is packed
    data = body(response)
    assert (gzip.decompress(data) if packed else data).decode() == read(run)
