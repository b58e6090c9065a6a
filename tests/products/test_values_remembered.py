"""The catalog remembers the stored form of repeated values; remembering must never change an answer."""

import pytest

from apps.products import values as vals
from apps.products.models import Attribute


@pytest.fixture
def catalog(shop):
    return vals.Catalog.load()


def clean(catalog, values):
    return vals.clean_values(values, allowed=catalog.attributes, catalog=catalog)


def test_a_remembered_price_is_a_copy_of_its_own(catalog):
    first, _ = clean(catalog, {"rrp": {"*": {"*": {"EUR": "19.90"}}}})
    first["rrp"]["*"]["*"]["EUR"] = "0.00"
    again, _ = clean(catalog, {"rrp": {"*": {"*": {"EUR": "19.90"}}}})
    assert again == {"rrp": {"*": {"*": {"EUR": "19.90"}}}}


def test_a_bad_value_is_refused_every_time(catalog):
    for _attempt in range(2):
        _cleaned, [issue] = clean(catalog, {"age_min": {"*": {"*": "3.5x"}}})
        assert "not a number" in issue.reason


def test_a_boolean_amount_is_not_taken_for_the_number_one(catalog):
    assert clean(catalog, {"weight": {"*": {"*": {"amount": "1", "unit": "GRAM"}}}})[1] == []
    _cleaned, [issue] = clean(catalog, {"weight": {"*": {"*": {"amount": True, "unit": "GRAM"}}}})
    assert "decimal string" in issue.reason


def test_what_is_remembered_stays_bounded(catalog, monkeypatch):
    monkeypatch.setattr(vals, "_KNOWN_MAX", 3)
    age = catalog.attributes["age_min"]
    for n in range(10):
        assert catalog.normalise(age, str(n)) == str(n)
    assert len(catalog.known) <= 3


def test_free_text_is_not_remembered(catalog):
    catalog.normalise(catalog.attributes["name"], "Renne")
    assert catalog.known == {} and catalog.attributes["name"].type == Attribute.Type.TEXT
