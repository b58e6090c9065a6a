"""A channel manager limited to `web` works on web only, on every channel-related screen: the channels
themselves, feeds (their channel choices), pull tokens (list and revoke), stock policies and rendition
specs; a manager without such limits keeps every channel."""

import pytest
from guardian.shortcuts import assign_perm

from apps.assets.models import RenditionSpec
from apps.channels import services
from apps.channels.models import Feed, PullToken
from apps.core.models import Channel, Role
from apps.inventory.models import ChannelStockPolicy
from tests.core.factories import UserFactory


@pytest.fixture
def chloe(client, feeds):
    """Chloe manages web only; Google has a pull token, a stock policy and a rendition spec."""
    user = UserFactory(username="chloe", roles=[Role.CHANNEL_MANAGER])
    assign_perm("core.manage_channel", user, feeds.shop.web)
    services.pull_token_create(actor=None, channel=feeds.shop.google)
    services.pull_token_create(actor=None, channel=feeds.shop.web)
    ChannelStockPolicy.objects.create(channel=feeds.shop.google, safety_buffer=2)
    RenditionSpec.objects.create(code="google-main", width=800, height=800, channel=feeds.shop.google)
    client.force_login(user)
    return user


def test_pull_tokens_of_other_channels_are_neither_listed_nor_revoked(client, chloe, feeds):
    page = client.get("/admin/channels/pulltoken/").content.decode()
    google = PullToken.objects.get(channel=feeds.shop.google)
    web = PullToken.objects.get(channel=feeds.shop.web)
    assert google.prefix not in page and web.prefix in page
    client.post(
        "/admin/channels/pulltoken/",
        {"action": "revoke", "_selected_action": [google.pk, web.pk]},
    )
    google.refresh_from_db()
    web.refresh_from_db()
    assert google.revoked_at is None and web.revoked_at is not None


def test_another_channels_settings_cannot_be_opened_or_changed(client, chloe, feeds):
    google = feeds.shop.google
    assert [row.code for row in Channel.objects.all()] != ["web"]
    page = client.get("/admin/core/channel/").content.decode()
    assert f"/admin/core/channel/{feeds.shop.web.pk}/change/" in page
    assert f"/admin/core/channel/{google.pk}/change/" not in page
    assert client.get(f"/admin/core/channel/{google.pk}/change/").status_code in (302, 403, 404)
    client.post(
        f"/admin/core/channel/{google.pk}/change/",
        {"code": "google", "name": "Google", "kind": "google", "base_url": "https://evil.example"},
    )
    google.refresh_from_db()
    assert google.base_url == "https://shop.example"


def test_a_limited_manager_adds_no_channel(client, chloe):
    assert client.get("/admin/core/channel/add/").status_code == 403


def test_feeds_cannot_be_added_to_another_channel(client, chloe, feeds):
    page = client.get("/admin/channels/feed/add/").content.decode()
    assert f'value="{feeds.shop.google.pk}"' not in page and f'value="{feeds.shop.web.pk}"' in page
    response = client.post(
        "/admin/channels/feed/add/",
        {"channel": feeds.shop.google.pk, "name": "more", "format": "google", "locale": "fr_FR",
         "sold_out": "out_of_stock", "strip_html": "on", "is_active": "on",
         "runs-TOTAL_FORMS": "0", "runs-INITIAL_FORMS": "0"},
    )  # fmt: skip
    assert response.status_code == 200
    assert not Feed.objects.filter(name="more").exists()


def test_stock_policies_and_rendition_specs_of_other_channels_are_out_of_reach(client, chloe, feeds):
    policy = ChannelStockPolicy.objects.get(channel=feeds.shop.google)
    spec = RenditionSpec.objects.get(code="google-main")
    assert "google" not in client.get("/admin/inventory/channelstockpolicy/").content.decode()
    assert client.get(f"/admin/inventory/channelstockpolicy/{policy.pk}/change/").status_code != 200
    assert "google-main" not in client.get("/admin/assets/renditionspec/").content.decode()
    assert client.get(f"/admin/assets/renditionspec/{spec.pk}/change/").status_code != 200
    page = client.get("/admin/assets/renditionspec/add/").content.decode()
    assert f'value="{feeds.shop.google.pk}"' not in page
    client.post(
        "/admin/assets/renditionspec/add/",
        {"code": "sneaky", "width": 10, "height": 10, "format": "jpeg", "fit": "contain", "quality": 80,
         "background": "#ffffff", "channel": feeds.shop.google.pk},
    )  # fmt: skip
    assert not RenditionSpec.objects.filter(code="sneaky").exists()


def test_a_manager_without_limits_keeps_every_channel(client, feeds):
    services.pull_token_create(actor=None, channel=feeds.shop.google)
    client.force_login(UserFactory(username="carl", roles=[Role.CHANNEL_MANAGER]))
    assert PullToken.objects.get().prefix in client.get("/admin/channels/pulltoken/").content.decode()
    assert client.get(f"/admin/core/channel/{feeds.shop.google.pk}/change/").status_code == 200
