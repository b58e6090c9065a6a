"""Each rule fires on a crafted bad product and stays silent on a good one."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db.models import F
from django.utils import timezone

from apps.assets import services as asset_services
from apps.assets.models import Asset
from apps.inventory.models import StockLevel
from apps.inventory.services import StockLine, stock_apply_batch
from apps.pricing.models import EffectivePrice, Price, PriceEvent
from apps.pricing.services import price_set
from apps.products import services as product_services
from apps.quality.registry import rules
from tests.assets.factories import RenditionSpecFactory, picture, upload
from tests.inventory.factories import LocationFactory
from tests.quality.helpers import check, descriptions, good, open_findings, rules_fired

LONG_FR = (
    "Ce renne en peluche tout doux accompagne les enfants dans leurs rêves d'hiver, avec ses bois brodés "
    "et son écharpe rouge tricotée à la main."
)


def _fires(product, rule):
    check(product, rules=[rule])
    return open_findings(product, rule)


def _google(feeds):
    return feeds.shop.google


@pytest.fixture
def fine(feeds):
    return good(feeds, "GOOD-1")


def test_a_good_product_sets_off_no_rule(fine):
    check(fine)
    assert rules_fired(fine) == set()


def test_every_rule_has_a_code_severity_category_and_description():
    assert len(rules) >= 20
    assert all(
        r.code and r.severity in ("blocking", "warning") and r.category and r.description
        for r in rules.values()
    )


def test_missing_required_attributes_per_channel_and_locale(feeds, fine):
    product = good(feeds, "BAD-1", brand={})
    found = _fires(product, "missing_required")
    assert [(f.channel.code, f.locale, f.details["missing"]) for f in found] == [
        ("google", "fr_FR", ["brand"])
    ]
    assert _fires(fine, "missing_required") == []


def test_missing_main_picture(feeds, fine):
    product = good(feeds, "BAD-1", main_image={})
    assert _fires(product, "main_image_missing")[0].severity == "blocking"
    assert _fires(fine, "main_image_missing") == []


def test_main_picture_below_the_channels_minimum(feeds):
    RenditionSpecFactory(
        code="google_feed", channel=_google(feeds), min_source_width=500, min_source_height=500
    )
    small = good(feeds, "BAD-1")
    upload("small.jpg", picture(200, 200), product=small, role="main")
    large = good(feeds, "GOOD-1")
    upload("large.jpg", picture(600, 600), product=large, role="main")
    found = _fires(small, "main_image_too_small")
    assert [(f.channel.code, f.details["width"]) for f in found] == [("google", 200)]
    assert _fires(large, "main_image_too_small") == []


def _reprice(product, channel, amount, **kwargs):
    return price_set(actor=None, product=product, channel=channel, amount=amount, confirm=True, **kwargs)


def test_a_price_ten_times_its_history_is_a_likely_typo(feeds, fine):
    product = good(feeds, "BAD-1")
    _reprice(product, _google(feeds), "200")
    found = _fires(product, "price_typo")
    assert [(f.channel.code, f.details["ratio"]) for f in found] == [("google", "10")]
    assert _fires(product, "price_jump") == []
    assert _fires(fine, "price_typo") == []


def test_a_missing_decimal_point_is_a_likely_typo(feeds):
    product = good(feeds, "BAD-1", price="19.99")
    _reprice(product, _google(feeds), "1999")
    assert _fires(product, "price_typo")[0].details["ratio"] == "100"


def test_a_price_far_from_its_history_is_reported(feeds, fine):
    product = good(feeds, "BAD-1")
    for amount in ("21", "20", "45"):
        _reprice(product, _google(feeds), amount)
        # each amount stood for days before the next, as prices do in a shop
        PriceEvent.objects.filter(product=product).update(
            pgh_created_at=F("pgh_created_at") - timedelta(days=2)
        )
    found = _fires(product, "price_jump")
    assert [(f.channel.code, f.severity) for f in found] == [("google", "warning")]
    _reprice(fine, _google(feeds), "22")
    assert _fires(fine, "price_jump") == []


def test_a_price_below_cost(feeds, fine):
    product = good(feeds, "BAD-1")
    Price.objects.filter(product=product, channel=_google(feeds)).update(cost=Decimal("25"))
    Price.objects.filter(product=fine).update(cost=Decimal("9"))
    found = _fires(product, "below_cost")
    assert [(f.channel.code, f.severity) for f in found] == [("google", "blocking")]
    assert _fires(fine, "below_cost") == []


def test_a_discount_above_the_campaign_maximum(feeds, fine, settings):
    settings.NOEL_CAMPAIGN_MAX_DISCOUNT = "0.70"
    product = good(feeds, "BAD-1")
    EffectivePrice.objects.filter(product=product, channel=_google(feeds)).update(
        amount=Decimal("2"), regular_amount=Decimal("20"), promotion="OOPS90", dirty=False
    )
    EffectivePrice.objects.filter(product=fine).update(
        amount=Decimal("16"), regular_amount=Decimal("20"), promotion="NOEL20", dirty=False
    )
    found = _fires(product, "discount_above_max")
    assert [(f.channel.code, f.details["promotion"]) for f in found] == [("google", "OOPS90")]
    assert _fires(fine, "discount_above_max") == []


def test_channels_that_should_agree_show_different_prices(feeds, fine, settings):
    settings.NOEL_QUALITY_PRICE_GROUPS = [["web", "google"]]
    product = good(feeds, "BAD-1")
    _reprice(product, _google(feeds), "22")
    found = _fires(product, "channel_price_mismatch")
    assert found and found[0].details["amounts"] == {"google": "22.0000", "web": "20.0000"}
    assert _fires(fine, "channel_price_mismatch") == []


def test_an_item_in_a_promotion_with_nothing_to_sell(feeds, fine):
    product = good(feeds, "BAD-1", stock=0)
    EffectivePrice.objects.filter(product__in=[product, fine], channel=_google(feeds)).update(
        promotion="NOEL20"
    )
    found = _fires(product, "promoted_no_stock")
    assert [f.channel.code for f in found] == ["google"]
    assert _fires(fine, "promoted_no_stock") == []


def test_click_and_collect_offered_by_a_store_with_no_stock(feeds, fine):
    LocationFactory(code="PARIS", kind="store", click_and_collect=True, channels=[_google(feeds)])
    product = good(feeds, "BAD-1")
    stock_apply_batch(actor=None, lines=[StockLine("BAD-1", "PARIS", 0), StockLine("GOOD-1", "PARIS", 3)])
    assert StockLevel.objects.filter(location__code="PARIS").count() == 2
    assert _fires(product, "click_collect_no_stock")[0].details["stores"] == ["PARIS"]
    assert _fires(fine, "click_collect_no_stock") == []


def test_html_in_a_channel_text(feeds, fine):
    product = good(feeds, "BAD-1", description=descriptions("Jouet <b>BAD-1</b>", "Toy BAD-1"))
    found = _fires(product, "html_in_text")
    assert {(f.channel.code, f.locale) for f in found} == {("google", "fr_FR"), ("web", "fr_FR")}
    assert _fires(fine, "html_in_text") == []


def test_forbidden_words_whatever_their_case_and_accents(feeds, fine, settings):
    settings.NOEL_QUALITY_FORBIDDEN_WORDS = ["à compléter"]
    product = good(feeds, "BAD-1", description=descriptions("Jouet BAD-1 : A COMPLETER", "Toy BAD-1"))
    assert _fires(product, "forbidden_words")[0].details["words"] == ["a completer"]
    assert _fires(fine, "forbidden_words") == []


def test_a_missing_translation(feeds, fine):
    product = good(feeds, "BAD-1", name={"fr_FR": {"*": "Jouet BAD-1"}})
    found = _fires(product, "translation_missing")
    assert [(f.locale, f.details["attribute"]) for f in found] == [("en_GB", "name")]
    assert _fires(fine, "translation_missing") == []


def test_a_translation_identical_to_the_source(feeds, fine):
    product = good(
        feeds, "BAD-1", name={"fr_FR": {"*": "Renne en peluche"}, "en_GB": {"*": "Renne en peluche"}}
    )
    assert [f.locale for f in _fires(product, "translation_identical")] == ["en_GB"]
    assert _fires(fine, "translation_identical") == []


def test_near_duplicate_descriptions_across_unrelated_products(feeds, fine):
    first = good(feeds, "BAD-1", description=descriptions(LONG_FR, "A plush reindeer"))
    second = good(feeds, "BAD-2", description=descriptions(LONG_FR.replace("rouge", "verte"), "Another one"))
    found = _fires(first, "description_duplicate")
    assert found and found[0].locale == "fr_FR" and found[0].details["similar"] == ["BAD-2"]
    assert _fires(second, "description_duplicate")
    assert _fires(fine, "description_duplicate") == []


def test_rights_that_ended(feeds, fine):
    product = good(feeds, "BAD-1")
    asset = upload("old.jpg", product=product, role="gallery")
    Asset.objects.filter(pk=asset.pk).update(valid_until=timezone.now() - timedelta(days=1))
    upload("current.jpg", product=fine, role="gallery")
    found = _fires(product, "asset_rights_expired")
    assert [f.asset_id for f in found] == [asset.pk]
    assert _fires(fine, "asset_rights_expired") == []


def test_a_picture_replaced_after_the_product_was_approved(feeds, fine):
    product = good(feeds, "BAD-1")
    asset = upload("main.jpg", product=product, role="main")
    upload("kept.jpg", product=fine, role="main")
    asset_services.asset_replace(actor=None, asset=asset, name="main.jpg", data=picture())
    found = _fires(product, "image_replaced_after_approval")
    assert [f.asset_id for f in found] == [asset.pk]
    assert _fires(fine, "image_replaced_after_approval") == []


def test_one_picture_used_by_two_unrelated_products(feeds, fine):
    first, second = good(feeds, "BAD-1"), good(feeds, "BAD-2")
    asset = upload("shared.jpg", product=first, role="main")
    asset_services.product_asset_link(actor=None, product=second, asset=asset, role="main")
    upload("own.jpg", product=fine, role="main")
    assert _fires(first, "image_shared")[0].details["others"] == ["BAD-2"]
    assert _fires(fine, "image_shared") == []


def test_variants_of_one_model_may_share_a_picture(feeds):
    shop = feeds.shop
    model = product_services.product_create(
        actor=None, sku="JUMPER", family=shop.apparel, family_variant=shop.by_color_size, is_model=True
    )
    variants = [
        product_services.product_create(
            actor=None, sku=f"JUMPER-{size}", family=shop.apparel, parent=model,
            values={"color": {"*": {"*": "red"}}, "size": {"*": {"*": size}}},
        )
        for size in ("s", "m")
    ]  # fmt: skip
    asset = upload("jumper.jpg", product=variants[0], role="main")
    asset_services.product_asset_link(actor=None, product=variants[1], asset=asset, role="main")
    assert _fires(variants[0], "image_shared") == []
