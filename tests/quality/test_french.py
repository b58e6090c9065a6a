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


def test_findings_show_the_rules_label_in_the_persons_language_not_its_code(feeds, admin_client):
    check(good(feeds, "BAD-1", description=descriptions("Lorem <b>ipsum</b>")))
    admin_client.post("/i18n/setlang/", {"language": "fr", "next": "/admin/"})
    findings = admin_client.get("/admin/quality/finding/").content.decode()
    assert "HTML dans un texte" in findings  # in the list and in the rule filter
    assert ">html_in_text<" not in findings


def test_every_rule_has_a_label_with_its_french():
    from django.utils import translation

    from apps.quality.labels import RULE_LABELS
    from apps.quality.registry import rules

    assert set(rules) <= set(RULE_LABELS), set(rules) - set(RULE_LABELS)
    with translation.override("en"):
        english = {code: str(RULE_LABELS[code]) for code in rules}
    with translation.override("fr"):
        untranslated = [code for code in rules if str(RULE_LABELS[code]) == english[code]]
    assert not untranslated, untranslated
