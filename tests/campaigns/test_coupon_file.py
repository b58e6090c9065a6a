"""The coupon file goes through the one CSV writer: a code a spreadsheet would run is escaped."""

from apps.campaigns import services
from tests.campaigns.factories import plan


def test_a_coupon_code_starting_with_a_minus_is_escaped_in_the_download(xmas, clock, client):
    campaign = plan(xmas)
    services.coupon_create(actor=xmas.marketer, campaign=campaign, code="-5OFF", usage_limit=100)
    client.force_login(xmas.marketer)
    response = client.get(f"/admin/campaigns/campaign/{campaign.pk}/coupons.csv")
    body = b"".join(response.streaming_content).decode()
    assert body.splitlines()[1].startswith("'-5OFF;XMAS;") and body.splitlines()[1].endswith(";100;0")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
