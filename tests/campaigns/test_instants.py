"""Campaign instants outside 2000–2100 are refused on their field, in the form and in the preview."""

from apps.campaigns.models import Campaign
from tests.campaigns.factories import approved
from tests.campaigns.test_admin import URL, inline_management, login


def test_a_campaign_ending_in_year_9999_is_refused_on_its_field(xmas, clock, client):
    login(client, xmas.marketer)
    form = {
        "code": "NOEL", "name": "Noël", "starts_at_0": "2026-12-01", "starts_at_1": "00:00:00",
        "ends_at_0": "9999-12-31", "ends_at_1": "23:59:59", "timezone": "Pacific/Kiritimati",
        "channels": [xmas.web.pk], **inline_management(),
    }  # fmt: skip
    response = client.post(f"{URL}add/", form)
    assert response.status_code == 200 and "between 2000 and 2100" in response.content.decode()
    assert not Campaign.objects.exists()


def test_the_preview_at_year_1_says_so_and_shows_the_default_instant(xmas, clock, client):
    campaign = approved(xmas)
    login(client, xmas.marketer)
    for at in ("0001-01-01T00:00", "2026-13-45T00:00"):
        response = client.get(f"{URL}{campaign.pk}/preview/", {"at": at})
        assert response.status_code == 200
    assert (
        "between 2000 and 2100"
        in client.get(
            f"{URL}{campaign.pk}/preview/", {"at": "0001-01-01T00:00"}, follow=True
        ).content.decode()
    )
