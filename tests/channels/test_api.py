"""The channels API: channels with their feeds, runs, held-back items, builds; limited per channel."""

import pytest
from guardian.shortcuts import assign_perm

from apps.channels import services
from apps.core.models import Role, User
from tests.api_helpers import bearer, token_for


@pytest.fixture
def built(feeds):
    feeds.sellable("GOOD")
    feeds.sellable("NOBRAND", brand={})
    return services.feed_build_start(actor=None, feed=feeds.google)


def test_channels_list_their_feeds_with_the_serving_run_in_constant_queries(
    client, built, django_assert_max_num_queries
):
    token = token_for(scopes=["read"])
    with django_assert_max_num_queries(12):
        response = client.get("/api/v1/channels", **bearer(token))
    assert response.status_code == 200
    google = next(c for c in response.json() if c["code"] == "google")
    [feed] = google["feeds"]
    assert feed["file"] == "products.xml" and feed["url"].endswith("/feeds/google/products.xml")
    assert (feed["serving"]["published"], feed["serving"]["held_back"]) == (1, 1)


def test_runs_and_their_held_back_items_are_listed(client, built):
    token = token_for(scopes=["read"])
    runs = client.get("/api/v1/channels/google/runs", **bearer(token)).json()
    assert [run["id"] for run in runs["items"]] == [built.pk] and runs["next_cursor"] is None
    issues = client.get(f"/api/v1/channels/google/runs/{built.pk}/issues", **bearer(token)).json()
    assert issues == [
        {"sku": "NOBRAND", "field": "brand", "rule": "complete", "message": issues[0]["message"]}
    ]
    assert "brand" in issues[0]["message"]


def test_a_token_limited_to_the_web_channel_sees_nothing_of_google(client, built, feeds):
    token = token_for(scopes=["read"], channels=[feeds.shop.web])
    codes = [c["code"] for c in client.get("/api/v1/channels", **bearer(token)).json()]
    assert codes == ["web"]
    assert client.get("/api/v1/channels/google/runs", **bearer(token)).status_code == 404


def test_a_channel_manager_of_web_cannot_build_google(client, built, feeds):
    token = token_for(roles=[Role.CHANNEL_MANAGER], username="chloe")
    manager = User.objects.get(username="chloe")
    assign_perm("core.manage_channel", manager, feeds.shop.web)
    assert (
        client.post(
            "/api/v1/channels/google/feeds/products/build",
            {},
            content_type="application/json",
            **bearer(token),
        ).status_code
        == 404
    )
    assign_perm("core.manage_channel", manager, feeds.shop.google)
    response = client.post(
        "/api/v1/channels/google/feeds/products/build", {}, content_type="application/json", **bearer(token)
    )
    assert response.status_code == 202 and response.json()["status"] == "succeeded"


@pytest.mark.parametrize(
    ("role", "scopes"), [(Role.CHANNEL_MANAGER, ["read"]), (Role.MERCHANDISER, ["read", "write"])]
)
def test_building_needs_the_write_scope_and_the_build_permission(client, built, role, scopes):
    token = token_for(roles=[role], scopes=scopes, username="someone")
    url = "/api/v1/channels/google/feeds/products/build"
    response = client.post(url, {}, content_type="application/json", **bearer(token))
    assert response.status_code == 403


def test_anonymous_callers_are_refused(client, built):
    assert client.get("/api/v1/channels").status_code == 401
