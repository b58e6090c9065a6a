"""Shopify's product CSV as Shopify writes it (#36): entities of its HTML decoded to text, a handle given
to two products named with the row of the first."""

import io
from pathlib import Path

from apps.exchange.shopify.imports import shopify_import
from apps.exchange.tabular import ImportRejected
from apps.products.models import Product

EXPORT = Path(__file__).parent / "data" / "shopify" / "products_export.csv"


def run(text: str, **options):
    return shopify_import(actor=None, handle=io.BytesIO(text.encode()), name="products_export.csv", **options)


def refused(text: str) -> list:
    try:
        run(text)
    except ImportRejected as rejected:
        assert not Product.objects.exists()
        return rejected.errors
    raise AssertionError("the file was imported")


def test_nbsp_in_a_description_is_a_no_break_space_not_an_entity(db):
    text = EXPORT.read_text(encoding="utf-8").replace(
        "<p>Linen tea towel &amp; napkin</p>", '"<p>Linen tea towel&nbsp;&amp; napkin, 50&nbsp;cm</p>"'
    )
    run(text)
    [description] = Product.objects.get(sku="TOWEL-1").values["description"]["en_GB"].values()
    assert description == "<p>Linen tea towel\u00a0&amp; napkin, 50\u00a0cm</p>"


def test_a_handle_given_to_two_products_names_the_row_of_the_first(db):
    """A handle met again after another one, on a row with a title: a second product under a used handle
    (two exports merged), not more rows of the first."""
    text = EXPORT.read_text(encoding="utf-8")
    towel = text.splitlines()[-1]
    gift = towel.replace("tea-towel,Tea towel,", "gift-card,Gift card,").replace("TOWEL-1", "GIFT-1")
    second = towel.replace("Tea towel,", "Tea towel XL,").replace("TOWEL-1", "TOWEL-XL")
    errors = refused(f"{text}{gift}\n{second}\n")
    assert any(e.row == 7 and e.column == "Handle" and "row 5" in e.reason for e in errors), errors


def test_a_sku_given_twice_names_the_shopify_row_of_the_first(db):
    text = EXPORT.read_text(encoding="utf-8").replace(",TOWEL-1,", ",JMP-M-RED,")
    errors = refused(text)
    [error] = [e for e in errors if "appears again" in e.reason]
    assert error.row == 5 and "first at row 3" in error.reason, error
