from datetime import datetime

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied, ValidationError

from apps.campaigns import selectors, services
from apps.campaigns.models import Benefit, Campaign, Coupon, Promotion
from apps.core.models import AuditLog, Channel, Currency
from apps.inventory.services import StockLine, stock_apply_batch
from apps.pricing.services import price_set
from tests.campaigns.factories import END, PARIS, START, approved, money, plan
from tests.products.factories import ChannelFactory

S = Campaign.Status


def test_a_campaign_goes_draft_submitted_approved_and_each_step_is_audited(xmas, clock):
    campaign = plan(xmas)
    assert campaign.status == S.DRAFT and campaign.owner == xmas.marketer
    impact = services.campaign_submit(actor=xmas.marketer, campaign=campaign)
    assert [(c.sku, c.channel, c.old, c.new) for c in impact.changes] == [
        ("TOY-1", "google", money("20.00"), money("16.00")),
        ("TOY-1", "web", money("20.00"), money("16.00")),
    ]
    services.campaign_approve(actor=xmas.approver, campaign=campaign)
    campaign.refresh_from_db()
    assert campaign.status == S.APPROVED and campaign.approver == xmas.approver
    audited = AuditLog.objects.filter(object_code="XMAS").order_by("pk")
    assert list(audited.values_list("action", flat=True)) == [
        "campaign.create", "campaign.promotion_add", "campaign.submit", "campaign.approve",
    ]  # fmt: skip


def test_targets_are_a_union_of_skus_category_subtrees_families_brands_and_a_filter(xmas, clock):
    def targeted(**target):
        Promotion.objects.all().delete()
        Campaign.objects.all().delete()
        campaign = plan(xmas, **target)
        return sorted(xmas.products[sku].sku for sku in xmas.products if xmas.products[sku].pk in {
            f.product_id for f in selectors.campaign_products(campaign)})  # fmt: skip

    assert targeted(categories=["toys"]) == ["TOY-1", "TOY-2"]  # plush is under toys
    assert targeted(categories=[], skus=["DECO-1"]) == ["DECO-1"]
    assert targeted(categories=[], brands=["noel"]) == ["DECO-1", "TOY-1"]
    assert targeted(categories=[], families=["toys"]) == ["DECO-1", "TOY-1", "TOY-2"]
    assert targeted(categories=[], product_filter={"brand": ["Noel"], "category": ["christmas"]}) == [
        "DECO-1", "TOY-1",
    ]  # fmt: skip
    assert targeted(categories=[], product_filter={"sku_prefix": "TOY", "brand": ["Lutin"]}) == ["TOY-2"]


def test_a_per_channel_override_gives_that_channel_its_own_benefit(xmas, clock):
    campaign = plan(xmas, overrides={"google": (Benefit.AMOUNT_OFF, "5")})
    impact = selectors.campaign_impact(campaign, now=START)
    assert {(c.channel, c.new) for c in impact.changes} == {
        ("web", money("16.00")),
        ("google", money("15.00")),
    }


def test_cumulative_promotions_combine_and_an_exclusive_one_applies_alone(xmas, clock):
    campaign = plan(xmas, stacking=Promotion.Stacking.CUMULATIVE, priority=5)
    services.promotion_add(
        actor=xmas.marketer, campaign=campaign, code="XMAS-P2", skus=["TOY-1"], benefit=Benefit.AMOUNT_OFF,
        value="2", stacking=Promotion.Stacking.CUMULATIVE, priority=1,
    )  # fmt: skip
    web = {c.sku: c for c in selectors.campaign_impact(campaign, now=START).changes if c.channel == "web"}
    assert (web["TOY-1"].new, web["TOY-1"].promotions) == (money("14.00"), "XMAS-P1+XMAS-P2")
    services.promotion_add(
        actor=xmas.marketer, campaign=campaign, code="XMAS-P3", skus=["TOY-1"], benefit=Benefit.FIXED_PRICE,
        value="12.50", priority=9,
    )  # fmt: skip
    web = {c.sku: c for c in selectors.campaign_impact(campaign, now=START).changes if c.channel == "web"}
    assert (web["TOY-1"].new, web["TOY-1"].promotions) == (money("12.50"), "XMAS-P3")


@pytest.mark.parametrize(
    ("kwargs", "field", "message"),
    [
        ({"end": START}, "ends_at", "the end (2026-12-01 00:00 CET) is not after the start"),
        ({"end": datetime(2026, 11, 1, tzinfo=PARIS), "start": datetime(2026, 10, 1, tzinfo=PARIS)},
         "ends_at", "the window ended 2026-11-01 00:00 CET: it is in the past"),
        ({"start": datetime(2026, 11, 1, tzinfo=PARIS)}, "starts_at", "is in the past: start now or later"),
        ({"start": datetime(2026, 3, 29, 2, 30)}, "starts_at",
         "2026-03-29 02:30 does not exist (clocks go forward) in Europe/Paris"),
        ({"start": datetime(2026, 10, 25, 2, 30)}, "starts_at",
         "2026-10-25 02:30 happens twice (clocks go back) in Europe/Paris"),
    ],
)  # fmt: skip
def test_a_bad_window_is_refused_and_nothing_is_stored(xmas, clock, kwargs, field, message):
    if "clocks go" in message:
        clock.move_to(datetime(2026, 3, 1, tzinfo=PARIS))
    with pytest.raises(ValidationError) as caught:
        services.campaign_create(
            actor=xmas.marketer, code="BAD", name="Bad", starts_at=kwargs.get("start", START),
            ends_at=kwargs.get("end", END), channels=[xmas.web],
        )  # fmt: skip
    assert message in caught.value.message_dict[field][0]
    assert not Campaign.objects.exists() and not AuditLog.objects.filter(object_type="campaign").exists()


@pytest.mark.parametrize(
    ("promotion", "field", "message"),
    [
        ({"value": "900"}, "value", "a percentage of 900 % is more than 100 %"),
        ({"value": "0.9"}, "value", "0.9 % off is ambiguous: did you mean 90 %? Enter 90 for 90 %"),
        ({"value": "-5"}, "value", "-5 must be more than 0"),
        ({"value": "12,5x"}, "value", "is not a number"),
        ({"benefit": Benefit.AMOUNT_OFF, "value": "5", "currency": "GBP"}, "currency",
         "5 GBP cannot apply on web, which sells in EUR; give web its own amount"),
        ({"benefit": Benefit.AMOUNT_OFF, "value": "5.001"}, "value", "5.001 has more decimals than EUR"),
        ({"categories": []}, "target", "choose SKUs, categories, families, brands or a filter"),
        ({"categories": ["nope"]}, "categories", "unknown categories nope"),
        ({"product_filter": {"colour": "red"}}, "product_filter", "unknown filter colour"),
        ({"overrides": {"meta": (Benefit.PERCENTAGE_OFF, "10")}}, "overrides", "meta is not a channel of"),
    ],
)  # fmt: skip
def test_a_bad_promotion_is_refused_clearly_and_nothing_is_stored(xmas, clock, promotion, field, message):
    Currency.objects.get_or_create(code="GBP", defaults={"name": "Pound"})
    campaign = services.campaign_create(
        actor=xmas.marketer, code="XMAS", name="Christmas", starts_at=START, ends_at=END, channels=[xmas.web]
    )
    kwargs = {"categories": ["plush"], "benefit": Benefit.PERCENTAGE_OFF, "value": "20", **promotion}
    with pytest.raises(ValidationError) as caught:
        services.promotion_add(actor=xmas.marketer, campaign=campaign, code="P1", **kwargs)
    assert message in caught.value.message_dict[field][0]
    assert not Promotion.objects.exists()
    assert Campaign.objects.get().version == 1


def test_an_ambiguous_percentage_passes_once_confirmed(xmas, clock):
    campaign = plan(xmas, value="0.9", confirm=True)
    assert campaign.promotions.get().value == money("0.9")


def test_a_channel_in_another_currency_needs_its_own_amount(xmas, clock):
    Currency.objects.get_or_create(code="GBP", defaults={"name": "Pound"})
    uk = ChannelFactory(code="uk", currency=Currency.objects.get(code="GBP"))
    campaign = plan(xmas, benefit=Benefit.AMOUNT_OFF, value="5", channels=[xmas.web])
    with pytest.raises(ValidationError, match="5 EUR cannot apply on uk, which sells in GBP"):
        services.campaign_update(actor=xmas.marketer, campaign=campaign, channels=[xmas.web, uk])
    assert list(campaign.channels.all()) == [xmas.web]
    services.promotion_add(
        actor=xmas.marketer, campaign=campaign, code="P-UK", skus=["TOY-2"], benefit=Benefit.AMOUNT_OFF,
        value="5", overrides={}, currency="EUR",
    )  # fmt: skip
    assert Channel.objects.filter(code="uk").exists()


def test_an_edit_with_a_stale_version_is_refused(xmas, clock):
    campaign = plan(xmas)
    services.campaign_update(actor=xmas.marketer, campaign=campaign, version=campaign.version, name="Noël")
    with pytest.raises(ValidationError, match="was changed by someone else"):
        services.campaign_update(actor=xmas.marketer, campaign=campaign, version=campaign.version, notes="x")
    assert Campaign.objects.get().notes == ""


def test_editing_a_submission_sends_it_back_to_draft(xmas, clock):
    campaign = plan(xmas)
    services.campaign_submit(actor=xmas.marketer, campaign=campaign)
    services.campaign_update(actor=xmas.marketer, campaign=campaign, notes="also the tree")
    assert Campaign.objects.get().status == S.DRAFT


# --- guard rails --------------------------------------------------------------------------------------


def _rules(impact, severity=None):
    return sorted(
        (f.rule, f.sku, f.channel) for f in impact.findings if severity is None or f.severity == severity
    )


def test_a_discount_above_the_maximum_blocks_submission_with_its_numbers(xmas, clock):
    campaign = plan(xmas, value="75")
    with pytest.raises(services.GuardRailsFailed) as caught:
        services.campaign_submit(actor=xmas.marketer, campaign=campaign)
    first = caught.value.impact.errors[0]
    assert first.rule == "discount_above_max" and first.numbers["discount_pct"] == "75.0"
    assert "TOY-1 on google: 20 → 5 EUR is 75 % off, more than the 70 % allowed" in caught.value.messages
    assert Campaign.objects.get().status == S.DRAFT


def test_the_maximum_discount_is_a_setting(xmas, clock, settings):
    settings.NOEL_CAMPAIGN_MAX_DISCOUNT = "0.10"
    campaign = plan(xmas, value="20")
    assert ("discount_above_max", "TOY-1", "web") in _rules(selectors.campaign_impact(campaign, now=START))


def test_a_price_below_cost_blocks(xmas, clock):
    campaign = plan(xmas, benefit=Benefit.FIXED_PRICE, value="7.50")
    with pytest.raises(services.GuardRailsFailed) as caught:
        services.campaign_submit(actor=xmas.marketer, campaign=campaign)
    assert "TOY-1 on web: 20 → 7.50 EUR is below the cost 8" in caught.value.messages


def test_a_sale_price_not_below_the_regular_price_blocks(xmas, clock):
    campaign = plan(xmas, benefit=Benefit.FIXED_PRICE, value="25.00")
    with pytest.raises(services.GuardRailsFailed) as caught:
        services.campaign_submit(actor=xmas.marketer, campaign=campaign)
    assert "TOY-1 on web: 20 → 25 EUR: the sale price is not below the regular price" in caught.value.messages


def test_a_product_in_two_overlapping_exclusive_promotions_on_a_channel_blocks(xmas, clock):
    approved(xmas, code="EARLY", end=datetime(2026, 12, 10, tzinfo=PARIS), channels=[xmas.web])
    campaign = plan(xmas, code="XMAS", categories=["toys"])
    with pytest.raises(services.GuardRailsFailed) as caught:
        services.campaign_submit(actor=xmas.marketer, campaign=campaign)
    assert _rules(caught.value.impact, "error") == [("exclusive_overlap", "TOY-1", "web")]
    assert "TOY-1 on web is in overlapping exclusive promotions XMAS-P1 (XMAS), EARLY-P1 (EARLY)" in (
        caught.value.messages
    )


def test_no_stock_not_approved_and_incomplete_are_warnings_that_do_not_block(xmas, clock):
    stock_apply_batch(actor=None, lines=[StockLine("TOY-1", "WH", quantity=0)])
    campaign = plan(xmas)
    impact = services.campaign_submit(actor=xmas.marketer, campaign=campaign)
    assert _rules(impact, "warning") == [
        ("incomplete", "TOY-1", "web"), ("no_stock", "TOY-1", "google"), ("no_stock", "TOY-1", "web"),
        ("not_approved", "TOY-1", ""),
    ]  # fmt: skip
    stored = Campaign.objects.get().findings
    assert stored["errors"] == 0 and stored["warnings"] == 4 and stored["products"] == 1


def test_guard_rails_run_again_at_start_and_a_failure_keeps_the_prices(xmas, clock):
    campaign = approved(xmas)
    price_set(
        actor=xmas.merchandiser, product=xmas.products["TOY-1"], channel=xmas.web, amount="20", cost="17"
    )
    clock.move_to(START)
    services.campaigns_tick()
    campaign.refresh_from_db()
    assert campaign.status == S.DRAFT
    assert (
        "guard-rail error(s), e.g. TOY-1 on web: 20 → 16 EUR is below the cost 17"
        in campaign.rejection_comment
    )
    assert xmas.products["TOY-1"].effective_prices.get(channel=xmas.web).amount == money("20")


# --- four eyes --------------------------------------------------------------------------------------


def test_nobody_approves_their_own_campaign(xmas, clock):
    campaign = plan(xmas)
    xmas.marketer.user_permissions.add(Permission.objects.get(codename="approve_campaign"))
    services.campaign_submit(actor=xmas.marketer, campaign=campaign)
    marketer = type(xmas.marketer).objects.get(pk=xmas.marketer.pk)
    with pytest.raises(PermissionDenied, match="another approver must approve it"):
        services.campaign_approve(actor=marketer, campaign=campaign)
    assert Campaign.objects.get().status == S.SUBMITTED


def test_an_approver_who_edited_the_campaign_cannot_approve_it(xmas, clock):
    campaign = plan(xmas)
    services.campaign_update(actor=xmas.approver, campaign=campaign, notes="tweak")
    services.campaign_submit(actor=xmas.marketer, campaign=campaign)
    with pytest.raises(PermissionDenied, match="arthur may not approve XMAS: they planned or edited it"):
        services.campaign_approve(actor=xmas.approver, campaign=campaign)
    services.campaign_approve(actor=xmas.approver2, campaign=campaign)


def test_a_marketer_cannot_approve_and_a_rejection_needs_a_comment(xmas, clock):
    campaign = plan(xmas)
    services.campaign_submit(actor=xmas.marketer, campaign=campaign)
    with pytest.raises(PermissionDenied, match="lea may not approve campaigns"):
        services.campaign_approve(actor=xmas.marketer, campaign=campaign)
    with pytest.raises(ValidationError, match="say why"):
        services.campaign_reject(actor=xmas.approver, campaign=campaign, comment=" ")
    services.campaign_reject(actor=xmas.approver, campaign=campaign, comment="9 % was meant")
    campaign.refresh_from_db()
    assert (campaign.status, campaign.rejection_comment) == (S.DRAFT, "9 % was meant")


# --- coupons ----------------------------------------------------------------------------------------


def test_a_coupon_code_is_unique_whatever_its_case(xmas, clock):
    campaign = plan(xmas)
    services.coupon_create(actor=xmas.marketer, campaign=campaign, code="NOEL10", usage_limit=1000)
    with pytest.raises(ValidationError, match="coupon code noel10 is already used \\(campaign XMAS\\)"):
        services.coupon_create(actor=xmas.marketer, campaign=campaign, code="noel10")
    assert Coupon.objects.count() == 1


def test_a_coupon_is_valid_only_inside_the_window_and_on_the_campaigns_channels(xmas, clock):
    campaign = plan(xmas, channels=[xmas.web])
    with pytest.raises(ValidationError, match="valid inside the campaign window"):
        services.coupon_create(
            actor=xmas.marketer,
            campaign=campaign,
            code="LATE",
            valid_until=datetime(2027, 1, 2, tzinfo=PARIS),
        )
    with pytest.raises(ValidationError, match="google not in the campaign XMAS"):
        services.coupon_create(actor=xmas.marketer, campaign=campaign, code="G", channels=[xmas.google])
    assert not Coupon.objects.exists()


def test_a_generated_batch_has_unique_codes_and_exports_for_shop_and_stores(xmas, clock):
    campaign = plan(xmas)
    coupons = services.coupons_generate(actor=xmas.marketer, campaign=campaign, count=50, prefix="xm-")
    codes = [c.code for c in coupons]
    assert len(set(codes)) == 50 and all(c.startswith("XM-") and len(c) == 11 for c in codes)
    rows = list(selectors.coupons_export_rows(campaign))
    assert rows[0] == [
        "code",
        "campaign",
        "promotion",
        "channels",
        "valid_from",
        "valid_until",
        "usage_limit",
        "uses",
    ]
    assert rows[1][1:] == [
        "XMAS",
        "",
        "google|web",
        "2026-11-30T23:00:00+00:00",
        "2026-12-25T23:00:00+00:00",
        "1",
        "0",
    ]
    assert len(rows) == 51
