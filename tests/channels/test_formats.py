"""Each format's fields: variants grouped, Meta's spellings, stores' stock, promotions' dates, dated rules."""

import csv
import io
import json
import xml.etree.ElementTree as ET
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from apps.channels import formats, services
from apps.channels.models import Feed
from apps.channels.selectors import Image, Item
from apps.core.models import Channel
from apps.inventory.models import StockLocation
from apps.inventory.services import StockLine, stock_apply_batch
from apps.pricing.services import price_set
from apps.products import services as product_services
from tests.channels.helpers import read
from tests.inventory.factories import LocationFactory
from tests.products.factories import ChannelFactory
from tests.products.fixtures import texts

PARIS = ZoneInfo("Europe/Paris")
G = "{http://base.google.com/ns/1.0}"


def one(value):
    return {"*": {"*": value}}


def approved(shop, **kwargs):
    product = product_services.product_create(actor=shop.merchandiser, **kwargs)
    if not product.is_model:
        product_services.product_submit(actor=shop.merchandiser, product=product)
        product_services.product_approve(actor=shop.approver, product=product)
    return product


@pytest.fixture
def jumpers(feeds):
    shop = feeds.shop
    model = approved(
        shop, sku="J", family=shop.apparel, family_variant=shop.color_then_size, is_model=True,
        values={"name": texts("Pull de Noël"), "brand": one("Lutin"), "main_image": one("https://cdn.example/J.jpg")},
    )  # fmt: skip
    red = approved(
        shop, sku="J-red", family=shop.apparel, parent=model, is_model=True,
        values={"color": one("red"), "description": {"fr_FR": {"web": "Pull rouge", "google": "Pull rouge"}}},
    )  # fmt: skip
    for size in ("s", "m"):
        variant = approved(
            shop, sku=f"J-red-{size}", family=shop.apparel, parent=red, values={"size": one(size)}
        )
        price_set(actor=shop.merchandiser, product=variant, channel=shop.web, amount="39.90")
        price_set(actor=shop.merchandiser, product=variant, channel=shop.google, amount="39.90")
    stock_apply_batch(actor=None, lines=[StockLine(sku="J-red-s", location="WH", quantity=3)])
    return model


def test_variants_go_out_as_items_of_their_model_with_inherited_values(feeds, jumpers):
    web = services.feed_create(
        actor=None, channel=feeds.shop.web, name="catalog", format="jsonl", locale="fr_FR"
    )
    run = services.feed_build_start(actor=None, feed=web)
    lines = [json.loads(line) for line in read(run).splitlines()]
    assert [line["id"] for line in lines] == ["J-red-s", "J-red-m"]
    small, medium = lines
    assert (small["item_group_id"], small["title"], small["description"]) == (
        "J",
        "Pull de Noël",
        "Pull rouge",
    )
    assert (small["availability"], small["quantity"], medium["availability"]) == (
        "in_stock",
        "3",
        "out_of_stock",
    )
    assert small["values"]["size"] == one("s") and small["values"]["color"] == one("red")
    google = services.feed_build_start(actor=None, feed=feeds.google)
    items = {i.find(f"{G}id").text: i for i in ET.fromstring(read(google)).iter("item")}
    assert items["J-red-m"].find(f"{G}item_group_id").text == "J"
    assert (items["J-red-m"].find(f"{G}color").text, items["J-red-m"].find(f"{G}size").text) == ("red", "m")


def test_meta_gets_its_own_spellings_in_csv(feeds):
    meta_channel = ChannelFactory(
        code="meta", kind=Channel.Kind.META, locales=["fr_FR"], base_url="https://shop.example"
    )
    StockLocation.objects.get(code="WH").channels.add(meta_channel)
    feeds.sellable("TOY-1", price="9.9")
    price_set(actor=None, product=feeds.shop.toys.products.get(), channel=meta_channel, amount="9.90")
    feeds.shop.toys.requirements.filter(channel=feeds.shop.google).update(channel=meta_channel)
    product_services.completeness_recompute()
    meta = services.feed_create(
        actor=None, channel=meta_channel, name="catalog", format="meta_csv", locale="fr_FR"
    )
    run = services.feed_build_start(actor=None, feed=meta)
    [row] = list(csv.DictReader(io.StringIO(read(run))))
    assert (row["id"], row["availability"], row["price"], row["condition"]) == (
        "TOY-1",
        "in stock",
        "9.90 EUR",
        "new",
    )
    assert row["link"] == "https://shop.example/p/TOY-1" and row["brand"] == "Lutin"


def test_the_local_inventory_feed_lists_each_store_with_its_stock_and_click_and_collect(feeds):
    stores = ChannelFactory(code="stores", kind=Channel.Kind.STORE, locales=["fr_FR"])
    toy = feeds.sellable("TOY-1")
    price_set(actor=None, product=toy, channel=stores, amount="20")
    LocationFactory(
        code="PARIS", kind="store", channels=[stores], click_and_collect=True, pickup_sla="same_day"
    )
    LocationFactory(code="LYON", kind="store", channels=[stores])
    stock_apply_batch(
        actor=None,
        lines=[
            StockLine(sku="TOY-1", location="PARIS", quantity=4),
            StockLine(sku="TOY-1", location="LYON", quantity=0),
        ],
    )
    local = services.feed_create(
        actor=None, channel=stores, name="local", format="google_local", locale="fr_FR"
    )
    run = services.feed_build_start(actor=None, feed=local)
    entries = [
        {child.tag.replace(G, ""): child.text for child in item}
        for item in ET.fromstring(read(run)).iter("item")
    ]
    assert entries == [
        {"store_code": "LYON", "id": "TOY-1", "quantity": "0", "price": "20.00 EUR",
         "availability": "out_of_stock", "pickup_method": "not supported"},
        {"store_code": "PARIS", "id": "TOY-1", "quantity": "4", "price": "20.00 EUR",
         "availability": "in_stock", "pickup_method": "buy", "pickup_sla": "same_day"},
    ]  # fmt: skip


def test_a_preview_at_the_start_of_a_promotion_shows_the_sale_price_and_serves_nothing_new(feeds, christmas):
    feeds.sellable("TOY-1", price="20")
    now = services.feed_build_start(actor=None, feed=feeds.google, at=datetime(2026, 11, 25, tzinfo=PARIS))
    preview = services.feed_build_start(actor=None, feed=feeds.google, at=christmas, preview=True)
    item = ET.fromstring(read(preview)).find("channel/item")
    assert item.find(f"{G}price").text == "20.00 EUR" and item.find(f"{G}sale_price").text == "16.00 EUR"
    assert item.find(f"{G}sale_price_effective_date").text == "2026-12-01T00:00+01:00/2026-12-26T00:00+01:00"
    assert ET.fromstring(read(now)).find(f"channel/item/{G}sale_price") is None
    feeds.google.refresh_from_db()
    assert feeds.google.current_run == now


def test_a_dated_rule_fails_only_in_a_preview_after_its_date():
    item = Item(
        product_id=1, sku="TOY-1", gtin="", group="", values={}, categories=[], complete=True, missing=[],
        price=None, available=1, images=[Image("https://cdn.example/t.jpg", 300, 300)],
    )  # fmt: skip
    entry = {"image_link": "https://cdn.example/t.jpg"}
    google = formats.GoogleMerchant()
    rules = lambda at: {v.rule for v in google.check(entry, item, at) if v.field == "image_link"}  # noqa: E731
    assert rules(datetime(2026, 12, 1, tzinfo=PARIS)) == set()
    assert rules(datetime(2027, 1, 31, tzinfo=PARIS)) == {"image_min_size_2027"}
    small = Item(**{**item.__dict__, "images": [Image("https://cdn.example/t.jpg", 90, 90)]})
    assert "image_min_size" in {
        v.rule for v in google.check(entry, small, datetime(2026, 12, 1, tzinfo=PARIS))
    }


def test_two_runs_differ_by_the_items_added_removed_and_changed(feeds):
    for sku in ("A", "B", "C"):
        feeds.sellable(sku)
    first = services.feed_build_start(actor=None, feed=feeds.google)
    product_services.product_retire(actor=feeds.shop.approver, product=feeds.shop.toys.products.get(sku="A"))
    stock_apply_batch(actor=None, lines=[StockLine(sku="B", location="WH", quantity=0)])
    feeds.sellable("D")
    second = services.feed_build_start(actor=None, feed=feeds.google)
    diff = services.feed_runs_diff(first, second)
    assert (diff.added, diff.removed, diff.changed) == (["D"], ["A"], ["B"])


def test_feed_settings_are_checked(feeds):
    with pytest.raises(Exception, match="does not serve en_GB"):
        services.feed_create(
            actor=None, channel=feeds.shop.google, name="en", format=Feed.Format.GOOGLE, locale="en_GB"
        )
