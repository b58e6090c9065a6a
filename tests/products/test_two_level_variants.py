"""Akeneo's two-level family variants: model → sub-model per colour → variant per size."""

import pytest

from apps.products import services
from apps.products.models import Product
from apps.products.values import ProductValidationError
from tests.products.factories import score
from tests.products.fixtures import texts


def one(value):
    return {"*": {"*": value}}


@pytest.fixture
def jumper(shop):
    return services.product_create(
        actor=None, sku="J", family=shop.apparel, family_variant=shop.color_then_size, is_model=True,
        values={"name": texts("Pull", "Jumper"), "brand": one("Noel")},
    )  # fmt: skip


def sub_model(shop, jumper, color):
    return services.product_create(
        actor=None, sku=f"J-{color}", family=shop.apparel, parent=jumper, is_model=True,
        values={"color": one(color), "description": {"fr_FR": {"web": f"Pull {color}"}}},
    )  # fmt: skip


def variant(shop, parent, size, **values):
    return services.product_create(
        actor=None,
        sku=f"{parent.sku}-{size}",
        family=shop.apparel,
        parent=parent,
        values={"size": one(size), **values},
    )


def test_a_variant_inherits_from_its_sub_model_and_its_model(shop, jumper):
    red = sub_model(shop, jumper, "red")
    small = variant(shop, red, "s", weight=one({"amount": "300", "unit": "GRAM"}))
    values = services.effective_values(Product.objects.get(pk=small.pk))
    assert values["name"]["en_GB"]["*"] == "Jumper"
    assert values["color"] == one("red") and values["size"] == one("s")
    assert values["description"]["fr_FR"]["web"] == "Pull red"
    assert score(small, shop.web, "fr_FR").ratio == 100


def test_each_level_holds_only_its_own_attributes(shop, jumper):
    red = sub_model(shop, jumper, "red")
    with pytest.raises(
        ProductValidationError, match="attribute color: not an attribute of this product's family"
    ):
        variant(shop, red, "s", color=one("green"))
    with pytest.raises(ProductValidationError, match="attribute weight: not an attribute"):
        services.product_create(
            actor=None, sku="J-green", family=shop.apparel, parent=jumper, is_model=True,
            values={"color": one("green"), "weight": one({"amount": "1", "unit": "GRAM"})},
        )  # fmt: skip


def test_under_a_two_level_model_come_sub_models_not_variants(shop, jumper):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="has two levels: under J come sub-models"):
        services.product_create(
            actor=None, sku="J-x", family=shop.apparel, parent=jumper, values={"color": one("red")}
        )


def test_sizes_are_unique_per_colour_not_per_model(shop, jumper):
    red, green = sub_model(shop, jumper, "red"), sub_model(shop, jumper, "green")
    variant(shop, red, "s")
    variant(shop, green, "s")
    with pytest.raises(ProductValidationError, match="J-red-s already has size=s under J-red"):
        services.product_create(
            actor=None, sku="J-red-s2", family=shop.apparel, parent=red, values={"size": one("s")}
        )
    with pytest.raises(ProductValidationError, match="J-green already has color=green under J"):
        services.product_create(
            actor=None,
            sku="J-green-2",
            family=shop.apparel,
            parent=jumper,
            is_model=True,
            values={"color": one("green")},
        )


def test_editing_the_model_recomputes_its_grandchildren(shop):
    model = services.product_create(
        actor=None, sku="J", family=shop.apparel, family_variant=shop.color_then_size, is_model=True
    )
    small = variant(shop, sub_model(shop, model, "red"), "s")
    assert score(small, shop.web, "fr_FR").missing == ["name"]
    services.product_update(
        actor=None, product=model, expected_version=1, changes={"values": {"name": texts("Pull")}}
    )
    assert score(small, shop.web, "fr_FR").ratio == 100


def test_bulk_create_writes_three_levels_in_one_batch(shop):
    NP = services.NewProduct
    services.products_bulk_create(
        actor=None,
        rows=[
            NP("J", "apparel", {"name": texts("Pull")}, family_variant="color_then_size", is_model=True),
            NP("J-red", "apparel", {"color": one("red")}, parent="J", is_model=True),
            NP("J-red-s", "apparel", {"size": one("s")}, parent="J-red"),
            NP("J-red-m", "apparel", {"size": one("m")}, parent="J-red"),
        ],
    )
    assert Product.objects.get(sku="J-red-m").parent.parent.sku == "J"
    assert score("J-red-m", shop.web, "fr_FR").ratio == 100
