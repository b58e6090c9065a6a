import pytest
from django.core.exceptions import ValidationError

from apps.products import services
from apps.products.models import Product
from tests.products.factories import score
from tests.products.fixtures import texts

NP = services.NewProduct


def test_bulk_create_writes_models_then_variants_with_completeness_and_versions(shop):
    rows = [
        NP("JUMPER", "apparel", {"name": texts("Pull")}, family_variant="by_color_size", is_model=True),
        NP(
            "JUMPER-RED-S",
            "apparel",
            {"color": {"*": {"*": "red"}}, "size": {"*": {"*": "s"}}},
            parent="JUMPER",
        ),
        NP(
            "TOY-1",
            "toys",
            {"supplier_ref": {"*": {"*": "ABC-1"}}},
            categories=["plush"],
            gtin="4006381333931",
        ),
    ]
    created = services.products_bulk_create(actor=shop.merchandiser, rows=rows)
    assert [p.sku for p in created] == ["JUMPER", "JUMPER-RED-S", "TOY-1"]
    variant = Product.objects.get(sku="JUMPER-RED-S")
    assert variant.parent.sku == "JUMPER" and variant.axis_key == "color=red|size=s"
    assert score(variant, shop.web, "fr_FR").ratio == 100
    assert variant.events.count() == 1


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        (
            [NP("A", "toys", gtin="4006381333931"), NP("B", "toys", gtin="4006381333931")],
            "B: GTIN 4006381333931 is already used by A",
        ),
        (
            [
                NP("A", "toys", {"supplier_ref": {"*": {"*": "ABC-1"}}}),
                NP("B", "toys", {"supplier_ref": {"*": {"*": "ABC-1"}}}),
            ],
            "B: attribute supplier_ref: 'ABC-1' is already used by A",
        ),
        (
            [
                NP("M", "apparel", family_variant="by_color_size", is_model=True),
                NP("M-1", "apparel", {"color": {"*": {"*": "red"}}, "size": {"*": {"*": "s"}}}, parent="M"),
                NP("M-2", "apparel", {"color": {"*": {"*": "red"}}, "size": {"*": {"*": "s"}}}, parent="M"),
            ],
            "M-2: attribute color: M-1 already has color=red|size=s under M",
        ),
        ([NP("A", "nope")], "A: unknown family nope"),
        ([NP("A", "apparel", parent="GHOST")], "A: parent GHOST does not exist"),
        ([NP("A", "toys", categories=["nope"])], "A: unknown category code(s): nope"),
    ],
)
def test_bulk_create_refuses_the_whole_batch_naming_each_problem(shop, rows, message):
    with pytest.raises(ValidationError) as excinfo:
        services.products_bulk_create(actor=shop.merchandiser, rows=rows)
    assert message in excinfo.value.messages
    assert not Product.objects.exists()


def test_bulk_create_checks_against_existing_products_too(shop):
    services.product_create(actor=None, sku="OLD", family=shop.toys, gtin="4006381333931")
    with pytest.raises(ValidationError) as excinfo:
        services.products_bulk_create(
            actor=None, rows=[NP("OLD", "toys"), NP("NEW", "toys", gtin="4006381333931")]
        )
    assert excinfo.value.messages == [
        "OLD: SKU already exists",
        "NEW: GTIN 4006381333931 is already used by OLD",
    ]
