"""A new product's values read straight from the file's cells (`ProductImporter._fresh_values`) are
exactly what the full path gives (`_values`, then `clean_values`): the same stored values in the same
order, and nothing at all where the full path finds an issue (it then words them)."""

import json
import random

from apps.exchange.flat.imports import ProductImporter, _new_product, parse_header
from apps.products import services
from apps.products import values as vals
from apps.products.models import Attribute
from tests.products.factories import AttributeFactory

CELLS = {
    "name-fr_FR": ["Renne", "  Renne  ", "", "   ", "a\\nb", "Renne\nrouge", "x" * 151],
    "name-en_GB": ["Reindeer", "", " "],
    "description-fr_FR-web": ["Doux", "  Doux\nTrès doux ", "", "  "],
    "brand": ["Lutin", "", "x" * 71],
    "age_min": ["3", " 3 ", "", "3.5", "19", "trois"],
    "weight": ["250", "0,5", "", "lourd"],
    "weight-unit": ["GRAM", "KILOGRAM", "", "TONNE"],
    "rrp-EUR": ["19.90", "19,9", "", "-1", "19.999"],
    "release_date": ["2026-12-01", "", "1 décembre"],
    "fragile": ["1", "0", "oui", "", "peut-être"],
    "materials": ["wood", "plush,wood", " wood , plush ", "", "wood,glass"],
    "supplier_ref": ["ABC-1", "", "abc"],
    "color": ["", "", "", "red"],  # not an attribute of toys: refused whenever given
    "care": ["Lavable", "  Lavable\n", "", " ", "x" * 21],
    "motto": ["Ho!", " Ho! ", "", "Hi"],
    "manual": ["notice.pdf", " notice.pdf ", "", "notice.exe"],
}


def more_texts(shop) -> None:
    """Texts read each their own way: a limited text area, a text area with a pattern, a file."""
    T = Attribute.Type
    shop.toys.attributes.add(
        AttributeFactory(code="care", type=T.TEXTAREA, max_length=20),
        AttributeFactory(code="motto", type=T.TEXTAREA, regex=r"Ho+!"),
        AttributeFactory(code="manual", type=T.MEDIA, allowed_extensions=["pdf"]),
    )


def test_a_new_products_values_from_its_cells_are_the_full_paths(shop):
    more_texts(shop)
    catalog = vals.Catalog.load()
    columns, _ignored = parse_header(["sku", "family", *CELLS], catalog)
    importer = ProductImporter(actor=None, catalog=catalog, columns=columns)
    product = _new_product("TOY-1", None)
    product.family = shop.toys
    allowed = services.allowed_attributes(product)
    pick = random.Random(1201)
    outcomes = set()
    for _ in range(1000):
        cells = {name: pick.choice(choices) for name, choices in CELLS.items()}
        raw, _changes = importer._values(product, cells)
        cleaned, issues = vals.clean_values(raw, allowed=allowed, catalog=catalog)
        fresh = importer._fresh_values(cells, allowed)
        if issues:
            assert fresh is None, (cells, issues)
        else:
            assert json.dumps(fresh) == json.dumps(cleaned), cells  # order included
        outcomes.add(bool(issues))
    assert outcomes == {True, False}, "both refused and accepted rows were compared"


def test_a_new_product_built_by_the_import_is_the_one_django_builds(shop):
    """`_new_product` leaves `Model.__init__` out: the same attributes and state, its own lists and
    dicts, and nothing listening to Product's init signals that it would skip."""
    from django.db.models.signals import post_init, pre_init

    from apps.products.models import Product

    def fields(product: Product) -> dict:
        return {name: value for name, value in vars(product).items() if name != "_state"}

    built = _new_product("TOY-1", shop.merchandiser)
    assert fields(built) == fields(Product(sku="TOY-1", updated_by=shop.merchandiser))
    assert (built._state.adding, built._state.db) == (True, None)
    assert built.values is not _new_product("TOY-2", None).values
    assert not pre_init.has_listeners(Product) and not post_init.has_listeners(Product)
