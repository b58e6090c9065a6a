"""The local inventory feed carries only what the primary Google feed publishes at the same instant."""

import xml.etree.ElementTree as ET

from apps.channels import services
from apps.channels.models import Feed, FeedIssue
from apps.core.models import Channel
from apps.inventory.services import StockLine, stock_apply_batch
from apps.pricing.services import price_set
from apps.products.models import Product
from tests.channels.helpers import read
from tests.inventory.factories import LocationFactory
from tests.products.factories import ChannelFactory

G = "{http://base.google.com/ns/1.0}"


def ids(run) -> list[str]:
    return sorted(item.find(f"{G}id").text for item in ET.fromstring(read(run)).iter("item"))


def test_an_item_google_rejects_is_in_neither_the_primary_nor_the_stores_local_feed(feeds):
    stores = ChannelFactory(code="stores", kind=Channel.Kind.STORE, locales=["fr_FR"])
    LocationFactory(code="PARIS", kind="store", channels=[stores])
    good = feeds.sellable("TOY-1")
    # described for the stores only: Google's channel has no description of its own
    bad = feeds.sellable("TOY-2", description={"fr_FR": {"stores": "Un jouet en bois", "web": "Un jouet"}})
    for product in (good, bad):
        price_set(actor=None, product=product, channel=stores, amount="20")
    stock_apply_batch(
        actor=None, lines=[StockLine(sku=s, location="PARIS", quantity=2) for s in ("TOY-1", "TOY-2")]
    )
    local = services.feed_create(
        actor=None, channel=stores, name="local", format="google_local", locale="fr_FR"
    )

    primary = services.feed_build_start(actor=None, feed=feeds.google)
    run = services.feed_build_start(actor=None, feed=local)

    assert ids(primary) == ["TOY-1"]
    assert ids(run) == ["TOY-1"]
    run.refresh_from_db()
    assert (run.published, run.held_back) == (1, 1)
    assert set(FeedIssue.objects.filter(run=run).values_list("sku", "message")) == {
        ("TOY-2", "held back from the primary feed: not complete for google: description"),
        ("TOY-2", "held back from the primary feed: description is required"),
    }


def test_a_local_feed_on_the_google_channel_holds_back_what_its_own_primary_feed_holds_back(feeds):
    LocationFactory(code="PARIS", kind="store", channels=[feeds.shop.google])
    feeds.sellable("TOY-1")
    feeds.sellable("TOY-2")
    # a wrong check digit written around the services (SQL, COPY): Google refuses the GTIN
    Product.objects.filter(sku="TOY-2").update(gtin="4006381333932")
    stock_apply_batch(
        actor=None, lines=[StockLine(sku=s, location="PARIS", quantity=1) for s in ("TOY-1", "TOY-2")]
    )
    local = services.feed_create(
        actor=None, channel=feeds.shop.google, name="local", format=Feed.Format.GOOGLE_LOCAL, locale="fr_FR"
    )

    primary = services.feed_build_start(actor=None, feed=feeds.google)
    run = services.feed_build_start(actor=None, feed=local)

    assert ids(primary) == ids(run) == ["TOY-1"]
    messages = list(FeedIssue.objects.filter(run=run, sku="TOY-2").values_list("message", flat=True))
    assert messages and all(m.startswith("held back from the primary feed: ") for m in messages)
