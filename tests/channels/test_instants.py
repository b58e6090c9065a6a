"""Instants outside 2000–2100 are refused with a 400 (a form error) naming the field, before anything is
written: a preview dated 1 AD once left a run that made every page listing runs fail."""

import pytest
from django.core.exceptions import ValidationError

from apps.channels import services
from apps.channels.models import FeedRun
from apps.core.models import Role
from tests.api_helpers import bearer, token_for
from tests.core.factories import UserFactory


def _manager(feeds) -> dict:
    """A token of a channel manager of google, who may build its feeds."""
    from guardian.shortcuts import assign_perm

    from apps.core.models import User

    token = token_for(roles=[Role.CHANNEL_MANAGER], username="chloe")
    assign_perm("core.manage_channel", User.objects.get(username="chloe"), feeds.shop.google)
    return bearer(token)


BUILD = "/api/v1/channels/google/feeds/products/build"


@pytest.mark.parametrize(
    "at",
    [
        "0001-01-01T00:00:00+14:00",
        "1999-12-31T23:59:59Z",
        "2100-01-01T00:00:00Z",
        "9999-12-31T23:59:59-23:59",
    ],
)
def test_a_preview_at_an_instant_out_of_range_is_a_400_and_writes_no_run(client, feeds, at):
    erp = _manager(feeds)
    response = client.post(BUILD, {"at": at, "preview": True}, content_type="application/json", **erp)
    assert response.status_code == 400 and response.json()["field"] == "at", response.content
    assert "2000" in response.json()["message"]
    assert not FeedRun.objects.exists()
    assert client.get("/api/v1/channels/google/runs", **erp).status_code == 200
    ok = client.post(
        BUILD, {"at": "2026-12-24T00:00:00+01:00", "preview": True}, content_type="application/json", **erp
    )
    assert ok.status_code == 202


def test_a_year_10000_preview_is_a_400(client, feeds):
    erp = _manager(feeds)
    body = {"at": "10000-01-01T00:00:00Z", "preview": True}
    response = client.post(BUILD, body, content_type="application/json", **erp)
    assert response.status_code == 400 and response.json()["field"] == "at"
    assert not FeedRun.objects.exists()


def test_the_build_service_itself_refuses_an_instant_out_of_range(feeds):
    from datetime import UTC, datetime

    with pytest.raises(ValidationError, match="at"):
        services.feed_build_start(
            actor=None, feed=feeds.google, at=datetime(1, 1, 2, tzinfo=UTC), preview=True
        )
    assert not FeedRun.objects.exists()


def test_the_admin_preview_form_refuses_an_instant_out_of_range(client, feeds):
    client.force_login(UserFactory(username="chloe", roles=[Role.CHANNEL_MANAGER]))
    url = f"/admin/channels/feed/{feeds.google.pk}/preview/"
    response = client.post(url, {"at_0": "0001-01-01", "at_1": "00:00"})
    assert response.status_code == 200 and "between 2000 and 2100" in response.content.decode()
    assert not FeedRun.objects.exists()


@pytest.mark.parametrize("since", ["9999-12-31T23:59:59-23:59", "0001-01-01T00:00:00+14:00", "2101-01-01"])
def test_products_updated_since_out_of_range_is_a_400(client, shop, since):
    response = client.get("/api/v1/products", {"updated_since": since}, **bearer(token_for()))
    assert response.status_code == 400 and response.json()["field"] == "updated_since", response.content


def test_products_updated_since_in_range_still_filters(client, shop):
    response = client.get(
        "/api/v1/products", {"updated_since": "2026-12-01T00:00:00+23:00"}, **bearer(token_for())
    )
    assert response.status_code == 200
