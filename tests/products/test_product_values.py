"""Product values are validated against the family on every write; a refusal names the product, the
attribute, the locale and channel, and the reason, and saves nothing."""

import pytest
from django.core.exceptions import ValidationError
from stdnum import ean

from apps.products import services
from apps.products.models import Attribute, Product
from apps.products.values import ProductValidationError
from tests.products.factories import AttributeFactory
from tests.products.fixtures import texts


def create(shop, sku="TOY-1", **kwargs):
    return services.product_create(actor=shop.merchandiser, sku=sku, family=shop.toys, **kwargs)


def issues_of(excinfo) -> list[str]:
    return [str(issue) for issue in excinfo.value.issues]


def test_valid_values_are_stored_in_their_normal_form(shop):
    product = create(
        shop,
        values={
            "name": texts("Renne en peluche", "Plush reindeer"),
            "description": {"fr_FR": {"web": "Doux\net chaud"}},
            "age_min": {"*": {"*": "3"}},
            "weight": {"*": {"*": {"amount": "0,250", "unit": "KILOGRAM"}}},
            "rrp": {"*": {"*": {"EUR": "19.9"}}},
            "release_date": {"*": {"*": "2026-11-01"}},
            "fragile": {"*": {"*": "oui"}},
            "materials": {"*": {"*": "plush, wood"}},
        },
    )
    product.refresh_from_db()
    assert product.values["weight"] == {"*": {"*": {"amount": "0.25", "unit": "KILOGRAM"}}}
    assert product.values["rrp"] == {"*": {"*": {"EUR": "19.9"}}}
    assert product.values["fragile"] == {"*": {"*": True}}
    assert product.values["materials"] == {"*": {"*": ["plush", "wood"]}}
    assert product.values["age_min"] == {"*": {"*": "3"}}


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"age_min": {"*": {"*": "2.5"}}}, "TOY-1: attribute age_min: 2.5 must be a whole number"),
        ({"age_min": {"*": {"*": "40"}}}, "TOY-1: attribute age_min: 40 is above the maximum 18"),
        ({"age_min": {"*": {"*": 3.0}}}, "TOY-1: attribute age_min: 3.0 must be written as a decimal string"),
        ({"fragile": {"*": {"*": "maybe"}}}, "TOY-1: attribute fragile: 'maybe' is not yes/no (use 1 or 0)"),
        (
            {"release_date": {"*": {"*": "01/12/2026"}}},
            "TOY-1: attribute release_date: '01/12/2026' is not a date",
        ),
        ({"materials": {"*": {"*": ["gold"]}}}, "TOY-1: attribute materials: option(s) 'gold' do not exist"),
        ({"colour": {"*": {"*": "red"}}}, "TOY-1: attribute colour: unknown attribute"),
        ({"color": {"*": {"*": "red"}}}, "TOY-1: attribute color: not an attribute of this product's family"),
        (
            {"name": {"*": {"*": "Renne"}}},
            "TOY-1: attribute name: is localizable: give a locale such as fr_FR",
        ),
        (
            {"name": {"xx_XX": {"*": "Renne"}}},
            "TOY-1: attribute name, locale xx_XX: unknown or inactive locale",
        ),
        (
            {"description": {"fr_FR": {"amazon": "x"}}},
            "TOY-1: attribute description, locale fr_FR, channel amazon: unknown channel",
        ),
        ({"brand": {"*": {"web": "Noel"}}}, "TOY-1: attribute brand, channel web: is not scopable: use *"),
        (
            {"brand": {"*": {"*": "B" * 71}}},
            "TOY-1: attribute brand: 71 characters, more than the 70 allowed",
        ),
        (
            {"name": {"fr_FR": {"*": "Deux\nlignes"}}},
            "TOY-1: attribute name, locale fr_FR: a single-line text cannot",
        ),
        (
            {"rrp": {"*": {"*": {"EUR": "19.999"}}}},
            "TOY-1: attribute rrp: 19.999 EUR has more decimals than EUR allows",
        ),
        ({"rrp": {"*": {"*": {"XXX": "1"}}}}, "TOY-1: attribute rrp: currency 'XXX' is not active in Noel"),
        (
            {"weight": {"*": {"*": {"amount": "1", "unit": "METRE"}}}},
            "TOY-1: attribute weight: unit 'METRE' is not a unit of weight",
        ),
        (
            {"supplier_ref": {"*": {"*": "abc"}}},
            "TOY-1: attribute supplier_ref: 'abc' does not match the pattern",
        ),
    ],
)
def test_a_bad_value_is_refused_with_where_and_why_and_nothing_is_saved(shop, values, expected):
    with pytest.raises(ProductValidationError) as excinfo:
        create(shop, values=values)
    assert any(issue.startswith(expected) for issue in issues_of(excinfo)), issues_of(excinfo)
    assert not Product.objects.exists()


def test_all_issues_are_reported_at_once(shop):
    with pytest.raises(ProductValidationError) as excinfo:
        create(shop, values={"age_min": {"*": {"*": "x"}}, "fragile": {"*": {"*": "x"}}})
    assert len(excinfo.value.issues) == 2


def test_unique_attribute_values_cannot_be_shared(shop):
    create(shop, sku="TOY-1", values={"supplier_ref": {"*": {"*": "ABC-1"}}})
    with pytest.raises(ProductValidationError) as excinfo:
        create(shop, sku="TOY-2", values={"supplier_ref": {"*": {"*": "ABC-1"}}})
    assert issues_of(excinfo) == ["TOY-2: attribute supplier_ref: 'ABC-1' is already used by TOY-1"]


@pytest.mark.parametrize(
    ("gtin", "message"),
    [
        ("4006381333932", "wrong check digit"),
        ("40063813", "wrong check digit"),
        ("12345", "must be 8, 12, 13 or 14 digits"),
        ("200000000000" + ean.calc_check_digit("200000000000"), "restricted prefix"),
        ("980000000000" + ean.calc_check_digit("980000000000"), "restricted prefix"),
    ],
)
def test_gtin_is_checked(shop, gtin, message):
    with pytest.raises(ValidationError, match=message):
        create(shop, gtin=gtin)


def test_a_valid_gtin_is_accepted_once(shop):
    assert create(shop, sku="TOY-1", gtin="4006381333931").gtin == "4006381333931"
    with pytest.raises(ValidationError, match="already used by TOY-1"):
        create(shop, sku="TOY-2", gtin="4006381333931")


def test_unknown_categories_are_refused(shop):
    with pytest.raises(ValidationError, match="unknown category code"):
        create(shop, categories=["toys", "nope"])


def test_duplicate_sku_is_refused_whatever_the_case(shop):
    create(shop, sku="TOY-1")
    with pytest.raises(ValidationError, match="SKU toy-1 already exists"):
        create(shop, sku="toy-1")


def test_a_media_value_of_an_extension_its_attribute_does_not_take_is_refused(shop):
    """Akeneo's allowed extensions hold whichever way the value comes: admin, API or import."""
    picture = AttributeFactory(code="picture", type=Attribute.Type.MEDIA, allowed_extensions=["jpg", "png"])
    shop.toys.attributes.add(picture)
    with pytest.raises(ProductValidationError) as excinfo:
        create(shop, values={"picture": {"*": {"*": "https://cdn.example.com/renne.GIF?v=2"}}})
    assert issues_of(excinfo) == [
        "TOY-1: attribute picture: renne.GIF has the extension .gif: picture takes jpg, png files"
    ]
    product = create(shop, values={"picture": {"*": {"*": "assets/ab/renne.JPG"}}})
    assert product.values["picture"] == {"*": {"*": "assets/ab/renne.JPG"}}
