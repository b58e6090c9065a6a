from types import SimpleNamespace

import pytest

from apps.core.models import Channel, Role
from apps.products.models import AssociationType, Attribute
from tests.core.factories import UserFactory
from tests.products.factories import (
    AttributeFactory,
    ChannelFactory,
    FamilyFactory,
    OptionFactory,
    category,
    require,
    variant_of,
    weight_family,
)

T = Attribute.Type


@pytest.fixture
def shop(db):
    """A small Christmas shop: two channels, toys and apparel families, a category tree."""
    return build_shop()


def build_shop() -> SimpleNamespace:
    web = ChannelFactory(code="web")
    google = ChannelFactory(code="google", kind=Channel.Kind.GOOGLE, locales=["fr_FR"])
    name = AttributeFactory(code="name", type=T.TEXT, localizable=True, max_length=150)
    description = AttributeFactory(code="description", type=T.TEXTAREA, localizable=True, scopable=True)
    brand = AttributeFactory(code="brand", type=T.TEXT, max_length=70)
    age = AttributeFactory(code="age_min", type=T.NUMBER, decimals_allowed=False, min_value=0, max_value=18)
    weight = AttributeFactory(
        code="weight", type=T.MEASUREMENT, measurement_family=weight_family(), default_unit="GRAM"
    )
    rrp = AttributeFactory(code="rrp", type=T.PRICE)
    release = AttributeFactory(code="release_date", type=T.DATE)
    fragile = AttributeFactory(code="fragile", type=T.BOOLEAN)
    materials = AttributeFactory(code="materials", type=T.MULTISELECT)
    for code in ("wood", "plush", "plastic"):
        OptionFactory(attribute=materials, code=code)
    ref = AttributeFactory(code="supplier_ref", type=T.IDENTIFIER, unique=True, regex=r"[A-Z]{3}-\d+")
    color = AttributeFactory(code="color", type=T.SELECT)
    size = AttributeFactory(code="size", type=T.SELECT)
    for code in ("red", "green"):
        OptionFactory(attribute=color, code=code)
    for code in ("s", "m", "l"):
        OptionFactory(attribute=size, code=code)
    toys = FamilyFactory(
        code="toys", attributes=[name, description, brand, age, weight, rrp, release, fragile, materials, ref]
    )
    toys.label_attribute = name
    toys.save()
    require(toys, web, name, description)
    require(toys, google, name, brand)
    apparel = FamilyFactory(code="apparel", attributes=[name, description, brand, color, size, weight])
    require(apparel, web, name, color, size)
    by_color_size = variant_of(apparel, "by_color_size", axes=[color, size], variant_attributes=[weight])
    color_then_size = variant_of(apparel, "color_then_size", axes=[color], variant_attributes=[description])
    color_then_size.sub_axes.set([size])
    color_then_size.sub_attributes.set([weight])
    root = category("christmas")
    toys_cat = category("toys", root)
    category("plush", toys_cat)
    category("decorations", root)
    AssociationType.objects.get_or_create(code="X_SELL")
    return SimpleNamespace(
        web=web,
        google=google,
        toys=toys,
        apparel=apparel,
        by_color_size=by_color_size,
        color_then_size=color_then_size,
        merchandiser=UserFactory(username="margot", roles=[Role.MERCHANDISER]),
        merchandiser2=UserFactory(username="malik", roles=[Role.MERCHANDISER]),
        approver=UserFactory(username="arthur", roles=[Role.APPROVER]),
    )


def texts(fr: str, en: str | None = None) -> dict:
    return {"fr_FR": {"*": fr}, **({"en_GB": {"*": en}} if en else {})}


def three_toys(shop: SimpleNamespace) -> None:
    """TOY-0…TOY-2, named in both locales, with a brand: what the export tests choose columns from."""
    from apps.products import services

    for n in range(3):
        services.product_create(
            actor=None,
            sku=f"TOY-{n}",
            family=shop.toys,
            values={"name": texts(f"Renne {n}", f"Reindeer {n}"), "brand": {"*": {"*": "Lutin"}}},
        )
