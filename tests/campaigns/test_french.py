"""The campaign screens in French, for a user who chose French: the readiness page and the home page's
campaign panel read from the compiled catalogue, not the English msgids."""

from tests.campaigns.factories import plan


def test_the_readiness_page_and_the_campaign_panel_speak_french(xmas, clock, client):
    campaign = plan(xmas, categories=["toys"])
    client.force_login(xmas.marketer)
    client.post("/i18n/setlang/", {"language": "fr", "next": "/admin/"})

    page = client.get(f"/admin/campaigns/campaign/{campaign.pk}/readiness/").content.decode()
    assert "prêts sur tous les canaux" in page and "jours de couverture" in page
    assert "Risque de rupture" in page
    assert "ready on every channel" not in page and "days of cover" not in page

    home = client.get("/admin/").content.decode()
    assert "Ce qui bloque" in home and "brouillon : à soumettre à validation" in home
    assert "What is blocking" not in home
