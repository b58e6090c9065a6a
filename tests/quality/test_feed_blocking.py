"""A blocking finding keeps the product out of that channel's feed, naming the finding; a warning does
not; and what a run held back is recorded among the product's findings."""

from apps.channels import services as channel_services
from apps.channels.models import FeedRun
from apps.products import services as product_services
from apps.quality.models import Finding, Severity
from apps.quality.selectors import blocked_products
from tests.channels.helpers import read
from tests.quality.helpers import check, descriptions, good, open_findings


def _build(feeds):
    return channel_services.feed_build_start(actor=None, feed=feeds.google)


def test_a_blocking_finding_keeps_the_item_out_of_the_feed_and_the_issue_names_it(feeds):
    good(feeds, "GOOD-1")
    bad = good(feeds, "BAD-1", description=descriptions("Lorem ipsum dolor"))
    check(bad)
    finding = Finding.objects.get(
        product=bad, rule="forbidden_words", channel=feeds.shop.google, locale="fr_FR"
    )
    run = _build(feeds)
    assert (run.status, run.published, run.held_back) == (FeedRun.Status.SUCCEEDED, 1, 1)
    assert "BAD-1" not in read(run) and "GOOD-1" in read(run)
    issue = run.issues.get(sku="BAD-1")
    assert issue.rule == "quality:forbidden_words" and f"#{finding.pk}" in issue.message


def test_a_warning_does_not_keep_the_item_out(feeds):
    product = good(feeds, "WARN-1", description=descriptions("Un <b>jouet</b> de Noël, Jouet WARN-1"))
    check(product)
    assert {f.severity for f in open_findings(product)} == {Severity.WARNING}
    run = _build(feeds)
    assert (run.published, run.held_back) == (1, 0)


def test_a_finding_of_another_channel_does_not_block_this_one(feeds):
    product = good(
        feeds,
        "BAD-1",
        description={**descriptions("Jouet BAD-1"), "fr_FR": {"web": "Lorem ipsum", "google": "Jouet BAD-1"}},
    )
    check(product)
    assert blocked_products(feeds.shop.web, [product.pk])
    assert blocked_products(feeds.shop.google, [product.pk]) == {}


def test_what_a_run_held_back_becomes_a_finding_and_closes_when_published_again(feeds):
    product = good(feeds, "NOBRAND", brand={})
    run = _build(feeds)
    assert run.held_back == 1
    finding = Finding.objects.get(product=product, rule="feed_held_back", channel=feeds.shop.google)
    assert finding.severity == Severity.WARNING and "brand" in finding.message
    assert finding.details["run"] == run.pk
    shop = feeds.shop
    changes = {"values": {"brand": {"*": {"*": "Lutin"}}}}
    product_services.product_update(
        actor=shop.merchandiser, product=product, expected_version=product.version, changes=changes
    )
    product_services.product_submit(actor=shop.merchandiser, product=product)
    product_services.product_approve(actor=shop.approver, product=product)
    run = _build(feeds)
    assert run.held_back == 0
    finding.refresh_from_db()
    assert finding.resolved_at is not None
