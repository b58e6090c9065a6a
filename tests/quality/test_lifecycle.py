"""A finding's life follows the data: it survives an unrelated change, closes when its cause is fixed,
and the on-change path (after-commit events, one product at a time) leaves the same open findings as
the nightly run over the whole catalog on the same data."""

from datetime import timedelta

import pytest
from django.db.models import F
from hypothesis import HealthCheck, given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st

from apps.assets import services as asset_services
from apps.assets.models import Asset, ProductAsset
from apps.core.models import AuditLog
from apps.inventory.services import StockLine, stock_apply_batch
from apps.pricing.models import Price, PriceEvent
from apps.pricing.services import price_set
from apps.products import services as product_services
from apps.quality import services
from apps.quality.models import Finding
from tests.assets.factories import upload
from tests.quality.helpers import descriptions, good, open_findings

REINDEER = ("Renne en peluche", "Plush reindeer")
BAUBLE = ("Boule de verre soufflé", "Blown glass bauble")
WORDS = {
    "REINDEER": (
        "Renne en peluche tout doux, ses bois brodés et son écharpe rouge.",
        "Soft plush reindeer with embroidered antlers and a red scarf.",
    ),
    "BAUBLE": (
        "Boule de verre soufflé à la main, reflets dorés pour le sapin.",
        "Hand-blown glass bauble with golden glints for the tree.",
    ),
}
TEXTS: dict = {}


def _named(fr, en):
    return {"fr_FR": {"*": fr}, "en_GB": {"*": en}}


@pytest.fixture
def catalog(feeds):
    """Two toys with their own name and description among a few good products, checked once at night."""
    TEXTS.update({sku: descriptions(*words) for sku, words in WORDS.items()})
    products = {
        "REINDEER": good(
            feeds, "REINDEER", approve=False, name=_named(*REINDEER), description=TEXTS["REINDEER"]
        ),
        "BAUBLE": good(feeds, "BAUBLE", approve=False, name=_named(*BAUBLE), description=TEXTS["BAUBLE"]),
    }
    for n in range(3):
        good(feeds, f"GOOD-{n}")
    services.quality_check_catalog()
    return products


def _open_set(rules=None):
    queryset = Finding.objects.filter(resolved_at__isnull=True)
    if rules:
        queryset = queryset.filter(rule__in=rules)
    return set(queryset.values_list("rule", "product__sku", "channel_id", "locale", "asset_id"))


def _nightly_agrees():
    """The open findings the on-change path left are exactly those the nightly run finds."""
    on_change = _open_set()
    services.quality_check_catalog()
    assert _open_set() == on_change
    return on_change


def _update(product, values):
    product.refresh_from_db()
    return product_services.product_update(
        actor=None, product=product, expected_version=product.version, changes={"values": values}
    )


def _swapped(sku):
    return {f.locale for f in open_findings(sku_product(sku), "description_mismatch")}


def sku_product(sku):
    from apps.products.models import Product

    return Product.objects.get(sku=sku)


def _stock(sku, quantity):
    stock_apply_batch(actor=None, lines=[StockLine(sku=sku, location="WH", quantity=quantity)])


def test_a_swap_is_found_on_change_survives_a_stock_movement_and_closes_when_the_text_is_fixed(
    catalog, django_capture_on_commit_callbacks
):
    reindeer, bauble = catalog["REINDEER"], catalog["BAUBLE"]
    assert _swapped("REINDEER") == _swapped("BAUBLE") == set()
    with django_capture_on_commit_callbacks(execute=True):
        _update(reindeer, {"description": TEXTS["BAUBLE"]})
        _update(bauble, {"description": TEXTS["REINDEER"]})
    assert _swapped("REINDEER") == _swapped("BAUBLE") == {"fr_FR", "en_GB"}
    assert "it fits BAUBLE better" in open_findings(reindeer, "description_mismatch")[0].message

    with django_capture_on_commit_callbacks(execute=True):
        _stock("REINDEER", 6)
    assert _swapped("REINDEER") == {"fr_FR", "en_GB"}
    _nightly_agrees()

    with django_capture_on_commit_callbacks(execute=True):
        _update(reindeer, {"description": TEXTS["REINDEER"]})
    assert _swapped("REINDEER") == set() and _swapped("BAUBLE") == {"fr_FR", "en_GB"}
    with django_capture_on_commit_callbacks(execute=True):
        _update(bauble, {"description": TEXTS["BAUBLE"]})
    assert _swapped("BAUBLE") == set()
    _nightly_agrees()


def test_renaming_the_product_a_description_fits_rechecks_the_other_side(
    catalog, django_capture_on_commit_callbacks
):
    """The verdict on REINDEER names BAUBLE: when BAUBLE becomes a reindeer too, REINDEER's text no longer
    fits another product better, and its finding closes although REINDEER itself did not change."""
    with django_capture_on_commit_callbacks(execute=True):
        _update(catalog["REINDEER"], {"description": TEXTS["BAUBLE"]})
    assert _swapped("REINDEER") == {"fr_FR", "en_GB"}
    with django_capture_on_commit_callbacks(execute=True):
        _update(catalog["REINDEER"], {"name": _named(*BAUBLE)})
    assert _swapped("REINDEER") == set()
    _nightly_agrees()


def test_clearing_the_english_name_reports_it_missing_not_a_swap(catalog, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _update(catalog["REINDEER"], {"name": {"en_GB": {"*": ""}}})
    reindeer = catalog["REINDEER"]
    assert open_findings(reindeer, "description_mismatch") == []
    assert [(f.locale, f.details["attribute"]) for f in open_findings(reindeer, "translation_missing")] == [
        ("en_GB", "name")
    ]
    _nightly_agrees()


def test_french_in_the_english_field_gets_the_same_verdict_on_change_and_at_night(
    catalog, django_capture_on_commit_callbacks
):
    french = TEXTS["REINDEER"]["fr_FR"]
    with django_capture_on_commit_callbacks(execute=True):
        _update(catalog["REINDEER"], {"description": {"en_GB": french}})
        _update(catalog["BAUBLE"], {"description": {"en_GB": TEXTS["BAUBLE"]["fr_FR"]}})
    found = _nightly_agrees()
    assert {("translation_identical", "REINDEER"), ("translation_identical", "BAUBLE")} <= {
        (rule, sku) for rule, sku, *_rest in found
    }


def _age_history(price, days=2):
    """The price's past amounts stood for days, as they do in a shop (tests write them in a second)."""
    PriceEvent.objects.filter(pgh_obj_id=price.pk).update(
        pgh_created_at=F("pgh_created_at") - timedelta(days=days)
    )


def _reprice(feeds, product, amount, age=True):
    price = price_set(actor=None, product=product, channel=feeds.shop.google, amount=amount, confirm=True)
    if age:
        _age_history(Price.objects.get(product=product, channel=feeds.shop.google))
    return price


def _jumps(product):
    return [f.message for f in open_findings(product, "price_jump")]


def test_a_corrected_price_typo_leaves_no_price_jump(feeds, catalog, django_capture_on_commit_callbacks):
    product = catalog["REINDEER"]
    _reprice(feeds, product, "49.90")  # its usual price, for days
    with django_capture_on_commit_callbacks(execute=True):
        _reprice(feeds, product, "274.45", age=False)
    assert _jumps(product) and "+450%" in _jumps(product)[0]
    with django_capture_on_commit_callbacks(execute=True):
        _reprice(feeds, product, "49.90", age=False)  # corrected a few minutes later
    assert _jumps(product) == []
    _nightly_agrees()


def test_a_typo_made_when_the_price_was_created_does_not_become_its_usual_level(
    feeds, catalog, django_capture_on_commit_callbacks
):
    product = catalog["BAUBLE"]
    Price.objects.filter(product=product).delete()
    with django_capture_on_commit_callbacks(execute=True):
        _reprice(feeds, product, "274.45", age=False)
        _reprice(feeds, product, "49.90", age=False)
    assert _jumps(product) == []
    _nightly_agrees()


def test_a_real_jump_survives_a_stock_movement_and_closes_back_in_range(
    feeds, catalog, django_capture_on_commit_callbacks
):
    product = catalog["REINDEER"]
    _reprice(feeds, product, "20")
    with django_capture_on_commit_callbacks(execute=True):
        _reprice(feeds, product, "45", age=False)
    assert _jumps(product)
    with django_capture_on_commit_callbacks(execute=True):
        _stock("REINDEER", 7)
    assert _jumps(product)
    _nightly_agrees()
    with django_capture_on_commit_callbacks(execute=True):
        _reprice(feeds, product, "21", age=False)
    assert _jumps(product) == []


def _shared(product):
    return [f.details["others"] for f in open_findings(product, "image_shared")]


def test_a_shared_picture_is_reported_on_both_sides_and_both_close_at_the_unlink(
    catalog, django_capture_on_commit_callbacks
):
    reindeer, bauble = catalog["REINDEER"], catalog["BAUBLE"]
    asset = upload("shared.jpg", product=reindeer, role="gallery")
    with django_capture_on_commit_callbacks(execute=True):
        asset_services.product_asset_link(actor=None, product=bauble, asset=asset, role="gallery")
    assert _shared(reindeer) == [["BAUBLE"]] and _shared(bauble) == [["REINDEER"]]
    with django_capture_on_commit_callbacks(execute=True):
        _stock("BAUBLE", 9)
    assert _shared(reindeer) == [["BAUBLE"]]
    _nightly_agrees()
    with django_capture_on_commit_callbacks(execute=True):
        asset_services.product_asset_unlink(actor=None, link=ProductAsset.objects.get(product=bauble))
    assert _shared(reindeer) == _shared(bauble) == []
    _nightly_agrees()


def test_the_nightly_audit_row_counts_reopened_findings(catalog):
    reindeer = catalog["REINDEER"]
    _update(reindeer, {"description": TEXTS["BAUBLE"]})
    services.quality_check_catalog()
    _update(reindeer, {"description": TEXTS["REINDEER"]})
    services.quality_check_catalog()
    _update(reindeer, {"description": TEXTS["BAUBLE"]})
    report = services.quality_check_catalog()
    row = AuditLog.objects.filter(action="quality.check_catalog").latest("id")
    assert report.reopened == row.diff["reopened"] == 2  # fr_FR and en_GB
    assert row.diff["opened"] == 0
    assert row.diff["still_open"] == report.still_open


SKUS = ("REINDEER", "BAUBLE")
EDITS = st.one_of(
    st.tuples(st.just("describe"), st.sampled_from(SKUS), st.sampled_from(SKUS)),
    st.tuples(st.just("english_name"), st.sampled_from(SKUS), st.booleans()),
    st.tuples(st.just("stock"), st.sampled_from(SKUS), st.integers(0, 9)),
    st.tuples(st.just("picture"), st.sampled_from(SKUS), st.booleans()),
    st.tuples(st.just("price"), st.sampled_from(SKUS), st.sampled_from(["20", "45", "200", "21"])),
)


def _apply(feeds, edit, asset):
    kind, sku, arg = edit
    product = sku_product(sku)
    if kind == "describe":  # its own text, or the other product's (a swap, half or whole)
        _update(product, {"description": TEXTS[arg]})
    elif kind == "english_name":
        english = dict(zip(SKUS, (REINDEER[1], BAUBLE[1]), strict=True))[sku] if arg else ""
        _update(product, {"name": {"en_GB": {"*": english}}})
    elif kind == "stock":
        _stock(sku, arg)
    elif kind == "picture":
        link = ProductAsset.objects.filter(product=product, asset=asset).first()
        if arg and link is None:
            asset_services.product_asset_link(actor=None, product=product, asset=asset, role="gallery")
        elif not arg and link is not None:
            asset_services.product_asset_unlink(actor=None, link=link)
    else:
        _reprice(feeds, product, arg, age=False)


@hyp_settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(edits=st.lists(EDITS, min_size=1, max_size=3))
def test_any_sequence_of_edits_leaves_the_findings_the_nightly_run_finds(
    feeds, catalog, django_capture_on_commit_callbacks, edits
):
    asset = Asset.objects.filter(original_name="shared.jpg").first()
    if asset is None:
        with django_capture_on_commit_callbacks(execute=True):
            asset = upload("shared.jpg", product=sku_product("GOOD-0"), role="gallery")
    for edit in edits:
        with django_capture_on_commit_callbacks(execute=True):
            _apply(feeds, edit, asset)
    _nightly_agrees()
