"""French everywhere the admin shows words Noel did not write itself: Unfold's and django-celery-results'
strings, the names Django derives from field names, Django's permission names, JSON labels."""

import pytest
from django.contrib.auth.models import Permission
from django.utils import translation

from apps.core import display
from apps.core.admin import permission_label
from apps.core.field_names import NAMES
from apps.core.vendor_strings import STRINGS


def test_every_library_string_noel_shows_has_its_french():
    with translation.override("fr"):
        missing = [s for s in STRINGS if translation.gettext(s) == s and s not in display.SAME_IN_FRENCH]
    assert not missing, missing


def test_every_derived_field_name_is_listed_and_has_its_french():
    assert sorted(NAMES) == display.default_names(), "regenerate apps/core/field_names.py"
    with translation.override("fr"):
        missing = [s for s in NAMES if translation.gettext(s) == s and s not in display.SAME_IN_FRENCH]
    assert not missing, missing


def test_derived_field_names_and_plurals_follow_the_language():
    from apps.channels.models import FeedRun
    from apps.inventory.models import StockMovement

    with translation.override("fr"):
        assert str(FeedRun._meta.get_field("started_by").verbose_name) == "lancé par"
        assert str(StockMovement._meta.verbose_name_plural) == "mouvements de stock"
    with translation.override("en"):
        assert str(FeedRun._meta.get_field("started_by").verbose_name) == "started by"


@pytest.mark.django_db
def test_django_permissions_are_named_in_the_persons_language():
    add_price = Permission.objects.get(codename="add_price")
    below_cost = Permission.objects.get(codename="override_cost_guard")
    with translation.override("fr"):
        assert permission_label(add_price) == "Prix | prix | Peut ajouter : prix"
        assert permission_label(below_cost).endswith("Peut fixer un prix sous le coût (avec un motif)")
    with translation.override("en"):
        assert permission_label(add_price).endswith("| Can add price")


def test_json_labels_read_as_texts_in_the_persons_language_first():
    labels = {"en_GB": "Clothing", "fr_FR": "Vêtements"}
    with translation.override("fr"):
        shown = str(display.readable_json(labels))
    assert shown.index("Vêtements") < shown.index("Clothing")
    assert "\\u00ea" not in shown and "{" not in shown
    other = str(display.readable_json({"note": "Noël"}))
    assert "Noël" in other and "\\u00eb" not in other
