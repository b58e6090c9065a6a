"""The quality screens in French, for a user who chose French: the findings list, its filters and the home
page's panel read from the compiled catalogue, not the English msgids."""

from tests.quality.helpers import check, descriptions, good


def test_the_findings_list_and_the_home_panel_speak_french(feeds, admin_client):
    check(good(feeds, "BAD-1", description=descriptions("Lorem ipsum")))
    admin_client.post("/i18n/setlang/", {"language": "fr", "next": "/admin/"})

    findings = admin_client.get("/admin/quality/finding/").content.decode()
    assert "Constats qualité" in findings and "type de règle" in findings and "Ouverts" in findings
    assert "Quality findings" not in findings and "kind of rule" not in findings

    home = admin_client.get("/admin/").content.decode()
    assert "Qualité des données" in home and "bloquants sur google" in home
    assert "blocking on google" not in home
