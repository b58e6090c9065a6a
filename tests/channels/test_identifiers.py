"""A barcode that is no valid GTIN (kept as the source held it, flagged by a quality warning) reaches no
channel as a GTIN; Google's identifier_exists says no only when there is neither a GTIN nor an MPN with
a brand; the warning holds nothing back."""

import xml.etree.ElementTree as ET

from apps.channels import services
from apps.products.models import Attribute
from apps.quality.models import Finding
from apps.quality.services import quality_check
from tests.channels.helpers import GTINS, read
from tests.products.factories import AttributeFactory

G = "{http://base.google.com/ns/1.0}"


def google_items(feeds) -> dict[str, dict[str, str]]:
    run = services.feed_build_start(actor=None, feed=feeds.google)
    root = ET.fromstring(read(run))
    return {
        item.find(f"{G}id").text: {child.tag.replace(G, ""): child.text for child in item}
        for item in root.iter("item")
    }


def test_a_wrong_barcode_sends_no_gtin_and_identifier_exists_follows_googles_rule(feeds):
    for code in ("barcode", "mpn"):
        feeds.shop.toys.attributes.add(AttributeFactory(code=code, type=Attribute.Type.TEXT))
    wrong = {"*": {"*": "4006381333987"}}
    bare = feeds.sellable("TOY-1", barcode=wrong)
    with_mpn = feeds.sellable("TOY-2", barcode=wrong, mpn={"*": {"*": "LT-2"}})
    right = feeds.sellable("TOY-3", gtin=GTINS[1], barcode={"*": {"*": GTINS[1]}})
    quality_check(product_ids=[bare.pk, with_mpn.pk, right.pk])
    flagged = Finding.objects.filter(rule="barcode_not_gtin", resolved_at__isnull=True)
    assert sorted(flagged.values_list("product__sku", "severity")) == [
        ("TOY-1", "warning"),
        ("TOY-2", "warning"),
    ]
    items = google_items(feeds)
    assert set(items) == {"TOY-1", "TOY-2", "TOY-3"}, "a warning holds nothing back"
    assert "gtin" not in items["TOY-1"] and items["TOY-1"]["identifier_exists"] == "no"
    assert "gtin" not in items["TOY-2"] and items["TOY-2"]["identifier_exists"] == "yes", "MPN and brand"
    assert items["TOY-3"]["gtin"] == GTINS[1] and items["TOY-3"]["identifier_exists"] == "yes"
