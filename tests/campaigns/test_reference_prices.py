"""The 30-day reference price (EU Omnibus directive, Code de la consommation L112-1-1): the lowest
effective price of a product on a channel, promotions included, during the 30 days before its promotion
began; for successive markdowns, the 30 days before the first. Worked out from the price history.

The price history is stamped by the database clock, which the tests' frozen clock does not move: each
test dates the history it needs (the states a price went through, and when)."""

from datetime import datetime
from decimal import Decimal

import pytest
from django.db import connection

from apps.campaigns import selectors, services
from apps.pricing.models import Price
from apps.pricing.services import price_set
from tests.campaigns.factories import END, PARIS, START, approved, plan

SEPTEMBER = datetime(2026, 9, 1, tzinfo=PARIS)


def day(month: int, d: int) -> datetime:
    return datetime(2026, month, d, 9, 0, tzinfo=PARIS)


@pytest.fixture
def dated(xmas):
    """Every price so far set on 1 September (long before the 30 days of any test)."""
    with connection.cursor() as cursor:
        cursor.execute("UPDATE pricing_priceevent SET pgh_created_at = %s", [SEPTEMBER])
    return xmas


def price_on(shop, sku: str, channel, amount: str, when: datetime) -> None:
    """Set a price through the service, as if on `when`."""
    price_set(
        actor=shop.merchandiser, product=shop.products[sku], channel=channel, amount=amount, confirm=True
    )
    price = Price.objects.get(product=shop.products[sku], channel=channel)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE pricing_priceevent SET pgh_created_at = %s WHERE pgh_id = "
            "(SELECT max(pgh_id) FROM pricing_priceevent WHERE pgh_obj_id = %s)",
            [when, price.pk],
        )


def references(campaign, clock_now=None) -> dict[tuple[str, str], tuple[Decimal | None, Decimal]]:
    """(sku, channel) → (reference price, price reduced from) on the campaign's review."""
    impact = selectors.campaign_impact(campaign, now=clock_now or day(11, 2))
    return {(c.sku, c.channel): (c.reference, c.old) for c in impact.changes}


def above_reference(campaign) -> list[tuple[str, str]]:
    impact = selectors.campaign_impact(campaign, now=day(11, 2))
    return sorted((f.sku, f.channel) for f in impact.findings if f.rule == "above_reference")


def test_the_reference_is_the_lowest_price_of_the_30_days_before_the_start(dated, clock):
    price_on(dated, "TOY-1", dated.web, "18.00", day(11, 10))  # in the 30 days: the lowest
    price_on(dated, "TOY-1", dated.web, "21.00", day(11, 20))
    price_on(dated, "TOY-1", dated.google, "15.00", day(10, 20))  # before the 30 days: does not count
    price_on(dated, "TOY-1", dated.google, "19.00", day(10, 30))
    campaign = plan(dated)

    found = references(campaign)

    assert found[("TOY-1", "web")] == (Decimal("18.0000"), Decimal("21.0000"))
    assert found[("TOY-1", "google")] == (Decimal("19.0000"), Decimal("19.0000"))


def test_a_price_raised_last_week_then_reduced_is_refused_at_submission(dated, clock):
    price_on(dated, "TOY-1", dated.web, "25.00", day(11, 24))  # raised a week before the start
    campaign = plan(dated)

    with pytest.raises(services.GuardRailsFailed) as refused:
        services.campaign_submit(actor=dated.marketer, campaign=campaign)

    [finding] = [f for f in refused.value.impact.errors if f.rule == "above_reference"]
    assert (finding.sku, finding.channel) == ("TOY-1", "web")  # google's price did not move
    assert finding.numbers["reference"] == "20" and finding.numbers["regular"] == "25"
    assert "above the reference price 20" in finding.message
    groups = selectors.group_findings(refused.value.impact.findings)
    assert [(g.rule, g.count) for g in groups if g.rule == "above_reference"] == [("above_reference", 1)]
    campaign.refresh_from_db()
    assert campaign.status == "draft"


def test_the_guard_rail_can_be_a_warning_by_setting(dated, clock, settings):
    settings.NOEL_CAMPAIGN_REFERENCE_PRICE_GUARD = "warning"
    price_on(dated, "TOY-1", dated.web, "25.00", day(11, 24))
    campaign = plan(dated)

    impact = services.campaign_submit(actor=dated.marketer, campaign=campaign)

    assert [(f.rule, f.severity) for f in impact.warnings if f.rule == "above_reference"] == [
        ("above_reference", "warning")
    ]


def test_a_price_lowered_in_the_30_days_passes_and_is_its_own_reference(dated, clock):
    price_on(dated, "TOY-1", dated.web, "17.00", day(11, 15))
    campaign = plan(dated)

    assert references(campaign)[("TOY-1", "web")] == (Decimal("17.0000"), Decimal("17.0000"))
    assert above_reference(campaign) == []


def test_an_earlier_promotion_in_the_30_days_is_the_reference(dated, clock):
    approved(dated, code="BF", start=day(11, 20), end=day(11, 23), value="30")  # 20 → 14 for three days
    campaign = plan(dated)

    assert references(campaign)[("TOY-1", "web")] == (Decimal("14.0000"), Decimal("20.0000"))
    assert above_reference(campaign) == [("TOY-1", "google"), ("TOY-1", "web")]


def test_overlapping_promotions_count_with_what_the_engine_applied(dated, clock):
    # a week of 10 % off with, inside it, a day where 40 % more is combined with it
    approved(dated, code="WEEK", start=day(11, 16), end=day(11, 23), value="10", stacking="cumulative")
    approved(dated, code="FLASH", start=day(11, 18), end=day(11, 19), value="40", stacking="cumulative")
    campaign = plan(dated)

    assert references(campaign)[("TOY-1", "web")][0] == Decimal("10.8000")  # 20 × 0.9 × 0.6


def test_a_cancelled_promotion_counts_only_while_it_ran(dated, clock):
    bf = approved(dated, code="BF", start=day(11, 20), end=day(11, 23), value="30")
    services.campaign_cancel(actor=dated.marketer, campaign=bf)  # cancelled before it ever ran
    campaign = plan(dated)

    assert references(campaign)[("TOY-1", "web")][0] == Decimal("20.0000")


def test_a_second_markdown_keeps_the_reference_of_the_first(dated, clock):
    approved(dated, code="FIRST", start=START, end=day(12, 10))  # 20 → 16 from 1 December
    second = plan(dated, code="SECOND", start=day(12, 10), end=END, value="40")  # then 20 → 12

    found = selectors.campaign_impact(second, now=day(11, 2))
    [change] = [c for c in found.changes if (c.sku, c.channel) == ("TOY-1", "web")]

    # not 16 (the first markdown's price, in the 30 days before the second): 20, before the first
    assert change.reference == Decimal("20.0000") and change.reference_since == START
    assert [f.rule for f in found.errors] == []


def test_a_break_between_promotions_starts_a_new_reference(dated, clock):
    approved(dated, code="FIRST", start=day(11, 20), end=day(11, 25))  # 16, then back to 20 for days
    campaign = plan(dated)

    [reference] = {r for (sku, ch), (r, _old) in references(campaign).items() if sku == "TOY-1"}
    assert reference == Decimal("16.0000")  # the break means a new promotion: its 30 days include 16


def test_a_product_without_any_price_before_the_promotion_has_no_reference(dated, clock):
    price = Price.objects.get(product=dated.products["TOY-1"], channel=dated.web)
    with connection.cursor() as cursor:  # first priced on the day the promotion starts
        cursor.execute(
            "UPDATE pricing_priceevent SET pgh_created_at = %s WHERE pgh_obj_id = %s", [START, price.pk]
        )
    campaign = plan(dated)

    found = references(campaign)

    assert found[("TOY-1", "web")][0] is None
    assert found[("TOY-1", "google")][0] == Decimal("20.0000")
    assert above_reference(campaign) == []  # nothing to compare with: no finding made up


def test_a_product_priced_a_day_before_uses_that_day(dated, clock):
    price = Price.objects.get(product=dated.products["TOY-1"], channel=dated.web)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE pricing_priceevent SET pgh_created_at = %s WHERE pgh_obj_id = %s", [day(11, 30), price.pk]
        )
    assert references(plan(dated))[("TOY-1", "web")][0] == Decimal("20.0000")


def test_a_price_in_another_currency_is_not_a_reference(dated, clock, shop):
    price_on(dated, "TOY-1", dated.web, "22.00", day(11, 5))
    with connection.cursor() as cursor:  # a history row in another currency: 5 (of another money) ignored
        cursor.execute(
            "INSERT INTO pricing_priceevent (pgh_created_at, pgh_label, id, amount, channel_id, currency, "
            "product_id, pgh_obj_id) SELECT %s, 'changed', id, 5, channel_id, 'USD', product_id, id "
            "FROM pricing_price WHERE product_id = %s AND channel_id = %s",
            [day(11, 10), dated.products["TOY-1"].pk, dated.web.pk],
        )
        cursor.execute(
            "INSERT INTO pricing_priceevent (pgh_created_at, pgh_label, id, amount, channel_id, currency, "
            "product_id, pgh_obj_id) SELECT %s, 'changed', id, 21, channel_id, currency, product_id, id "
            "FROM pricing_price WHERE product_id = %s AND channel_id = %s",
            [day(11, 12), dated.products["TOY-1"].pk, dated.web.pk],
        )

    found = references(plan(dated))

    # 22 from 5 November; no EUR price from 10 to 12 November; 21 afterwards (then 22 again, as set)
    assert found[("TOY-1", "web")][0] == Decimal("20.0000")  # 20 from 1 to 5 November
