"""The import writes its versions itself (set-based): they must read like those of pghistory's triggers."""

from apps.products import services
from apps.products.models import Completeness, Product
from tests.products.test_import import HEADER, run


def test_an_imported_update_is_versioned_like_an_admin_edit(shop):
    run(f"{HEADER}\nTOY-1;toys;plush;1;Renne;Doux;19.90;250;GRAM;wood\n", actor=shop.merchandiser)
    run("sku;name-fr_FR\nTOY-1;Renne rouge\n", actor=shop.merchandiser)
    toy = Product.objects.get(sku="TOY-1")
    created, changed = toy.events.order_by("pgh_id")
    assert (created.pgh_label, changed.pgh_label) == ("created", "changed")
    assert changed.values == toy.values and changed.version == toy.version == 2
    assert changed.pgh_context.metadata["source"] == "import"
    assert changed.pgh_context.metadata["user"] == shop.merchandiser.pk


def test_writes_after_an_import_are_versioned_by_the_triggers_again(shop):
    run(f"{HEADER}\nTOY-1;toys;plush;1;Renne;Doux;19.90;250;GRAM;wood\n")
    toy = Product.objects.get(sku="TOY-1")
    services.product_update(actor=None, product=toy, expected_version=1, changes={"enabled": False})
    assert list(toy.events.order_by("pgh_id").values_list("pgh_label", flat=True)) == ["created", "changed"]


def test_an_update_recomputes_the_completeness_it_changes(shop):
    run(f"{HEADER}\nTOY-1;toys;plush;1;Renne;Doux;19.90;250;GRAM;wood\n")
    run("sku;description-fr_FR-web\nTOY-1;\n")
    web = Completeness.objects.get(product__sku="TOY-1", channel=shop.web, locale__code="fr_FR")
    assert (web.ratio, web.missing) == (50, ["description"])
