"""A price file's report counts what it did: new prices created, changed ones updated, the same ones
unchanged (#36: new prices were counted as updated)."""

import io

from apps.exchange.flat.prices import prices_import
from apps.products import services as product_services


def run(shop, text: str):
    return prices_import(actor=shop.merchandiser, handle=io.BytesIO(text.encode()), name="prices.csv")


def test_new_prices_are_created_changed_ones_updated_the_same_unchanged(shop):
    for sku in ("TOY-1", "TOY-2"):
        product_services.product_create(actor=None, sku=sku, family=shop.toys)
    text = "sku;channel;amount\nTOY-1;web;19.90\nTOY-2;web;9.90\n"
    first = run(shop, text)
    assert (first.created, first.updated, first.unchanged) == (2, 0, 0)
    again = run(shop, text)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    changed = run(shop, text.replace("TOY-2;web;9.90", "TOY-2;web;8.90"))
    assert (changed.created, changed.updated, changed.unchanged) == (0, 1, 1)
