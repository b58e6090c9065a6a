"""The import writes its versions itself (set-based): they must read like those of pghistory's triggers."""

from apps.core.models import AuditLog
from apps.products import services
from apps.products.models import Product
from tests.exchange.test_import import HEADER, run
from tests.products.factories import score


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
    web = score("TOY-1", shop.web, "fr_FR")
    assert (web.ratio, web.missing) == (50, ["description"])


def _audited(sku: str, action: str) -> dict:
    return AuditLog.objects.filter(object_code=sku, action=action).latest("pk").diff


def test_an_imported_creation_is_audited_as_the_admin_audits_one(shop):
    services.product_create(
        actor=None, sku="TOY-A", family=shop.toys, categories=["plush"], gtin="4006381333931",
        values={"name": {"fr_FR": {"*": "Renne"}}, "weight": {"*": {"*": {"amount": "250", "unit": "GRAM"}}}},
    )  # fmt: skip
    run(
        "sku;family;categories;gtin;name-fr_FR;weight;weight-unit\nTOY-B;toys;plush;4006381333948;Renne;250;GRAM\n"
    )
    admin, imported = _audited("TOY-A", "product.create"), _audited("TOY-B", "product.create")
    assert imported == {**admin, "sku": [None, "TOY-B"], "gtin": [None, "4006381333948"]}


def test_an_imported_change_of_family_and_associations_is_audited(shop):
    run("sku;family;name-fr_FR\nTOY-1;toys;Renne\nTOY-2;toys;Sapin\n")
    run("sku;family;X_SELL-products\nTOY-1;apparel;TOY-2\n")
    assert _audited("TOY-1", "product.update") == {
        "family": ["toys", "apparel"],
        "associations": [{}, {"X_SELL": ["TOY-2"]}],
    }


def test_products_of_one_family_filling_different_slots_get_their_own_completeness(shop):
    run(
        "sku;family;name-fr_FR;description-fr_FR-web;brand\n"
        "TOY-1;toys;Renne;Doux;Lutin\nTOY-2;toys;Sapin;;\nTOY-3;toys;Étoile;Brille;Lutin\n"
    )
    skus = ("TOY-1", "TOY-2", "TOY-3")
    web = {sku: score(sku, shop.web, "fr_FR").ratio for sku in skus}
    google = {sku: score(sku, shop.google, "fr_FR").missing for sku in skus}
    assert web == {"TOY-1": 100, "TOY-2": 50, "TOY-3": 100}
    assert google == {"TOY-1": [], "TOY-2": ["brand"], "TOY-3": []}
