import pytest

from apps.campaigns import services
from tests.api_helpers import bearer, token_for
from tests.campaigns.factories import START, approved, plan

URL = "/api/v1/campaigns"


@pytest.fixture
def published(xmas, clock):
    for n in range(6):
        campaign = approved(
            xmas, code=f"C{n}", categories=[], skus=["TOY-2"], start=START.replace(day=n + 1),
            end=START.replace(day=n + 2), overrides={"google": ("amount_off", "1")},
        )  # fmt: skip
        services.coupon_create(actor=xmas.marketer, campaign=campaign, code=f"CODE{n}", usage_limit=10)
    plan(xmas, code="SECRET", skus=["TOY-1"], categories=[])
    return xmas


def test_integrators_list_published_campaigns_with_promotions_in_constant_queries(
    client, published, django_assert_max_num_queries
):
    headers = bearer(token_for())
    with django_assert_max_num_queries(12):
        small = client.get(f"{URL}?limit=2", **headers)
    with django_assert_max_num_queries(12):
        large = client.get(f"{URL}?limit=50", **headers)
    assert small.status_code == large.status_code == 200
    items = large.json()["items"]
    assert [c["code"] for c in items] == ["C0", "C1", "C2", "C3", "C4", "C5"]  # never the draft
    assert small.json()["next_offset"] == 2 and large.json()["next_offset"] is None
    first = items[0]
    assert (first["status"], first["channels"], first["timezone"]) == (
        "approved",
        ["google", "web"],
        "Europe/Paris",
    )
    assert first["promotions"][0]["channel_overrides"] == {"google": {"benefit": "amount_off", "value": "1"}}
    assert first["starts_at"] == "2026-11-30T23:00:00Z"


def test_detail_and_filters(client, published):
    headers = bearer(token_for())
    assert client.get(f"{URL}/C3", **headers).json()["promotions"][0]["code"] == "C3-P1"
    assert client.get(f"{URL}/SECRET", **headers).json()["code"] == "not_found"
    assert client.get(f"{URL}?status=live", **headers).json()["items"] == []


def test_a_token_limited_to_a_channel_sees_only_its_campaigns(client, published):
    approved(published, code="WEBONLY", channels=[published.web], categories=[], skus=["DECO-1"])
    everything = client.get(URL, **bearer(token_for())).json()["items"]
    google_only = client.get(URL, **bearer(token_for(channels=[published.google], username="feed"))).json()
    assert "WEBONLY" in [c["code"] for c in everything]
    assert [c["code"] for c in google_only["items"]] == ["C0", "C1", "C2", "C3", "C4", "C5"]


def test_coupons_download_as_csv(client, published):
    response = client.get(f"{URL}/C2/coupons.csv", **bearer(token_for()))
    lines = b"".join(response.streaming_content).decode().splitlines()
    assert lines[0].startswith("code;campaign;promotion;channels") and lines[1].startswith(
        "CODE2;C2;;google|web;"
    )


@pytest.mark.parametrize(
    ("headers", "status"),
    [({}, 401), ("write-only", 403), ("store", 403)],
)
def test_anonymous_and_wrong_scope_tokens_are_refused(client, published, headers, status):
    from apps.core.models import Role

    if headers == "write-only":
        headers = bearer(token_for(scopes=("write",), username="writer"))
    elif headers == "store":
        headers = bearer(token_for(roles=(Role.MERCHANDISER,), username="merch-bot"))
    response = client.get(f"{URL}/C1/coupons.csv", **headers)
    assert response.status_code == status and response.json()["code"] in ("unauthenticated", "forbidden")


def test_an_offset_out_of_range_is_bad_input(client, published):
    response = client.get(f"{URL}?offset=9223372036854775807", **bearer(token_for()))
    assert response.status_code == 400 and response.json()["field"] == "offset"
