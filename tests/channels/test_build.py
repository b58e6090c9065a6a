"""Feed builds: what goes out, what is held back and why, and that the last good file keeps serving."""

import xml.etree.ElementTree as ET
from datetime import UTC, datetime

import pytest
import time_machine

from apps.channels import services
from apps.channels.models import Feed, FeedRun
from apps.inventory.services import StockLine, stock_apply_batch
from apps.products.models import Product
from tests.channels.helpers import GTINS, described, read

G = "{http://base.google.com/ns/1.0}"


def build(feeds, **kwargs):
    return services.feed_build_start(actor=None, feed=feeds.google, **kwargs)


def google_items(run) -> dict[str, dict[str, str]]:
    root = ET.fromstring(read(run))
    return {
        item.find(f"{G}id").text: {child.tag.replace(G, ""): child.text for child in item}
        for item in root.iter("item")
    }


def test_an_approved_complete_product_goes_out_with_its_google_fields(feeds):
    feeds.sellable("TOY-1", gtin=GTINS[0], price="19.90")
    run = build(feeds)
    assert (run.status, run.items, run.published, run.held_back) == (FeedRun.Status.SUCCEEDED, 1, 1, 0)
    item = google_items(run)["TOY-1"]
    assert item["title"] == "Jouet TOY-1"
    assert item["price"] == "19.90 EUR"
    assert item["availability"] == "in_stock"
    assert item["link"] == "https://shop.example/p/TOY-1"
    assert item["image_link"] == "https://cdn.example/TOY-1.jpg"
    assert (item["gtin"], item["brand"], item["identifier_exists"], item["condition"]) == (
        GTINS[0],
        "Lutin",
        "yes",
        "new",
    )
    assert item["product_type"] == "Christmas > Toys" or item["product_type"].endswith("toys")


def test_drafts_are_not_sent_and_incomplete_products_are_held_back_with_what_is_missing(feeds):
    feeds.sellable("DRAFT-1", approve=False)
    feeds.sellable("NOBRAND", brand={})
    run = build(feeds)
    assert (run.items, run.published, run.held_back) == (1, 0, 1)
    issue = run.issues.get()
    assert (issue.sku, issue.rule) == ("NOBRAND", "complete")
    assert "brand" in issue.message and issue.product.sku == "NOBRAND"


@pytest.mark.parametrize(
    ("values", "field", "rule", "message"),
    [
        (
            {"description": {"fr_FR": {"google": "x" * 5001}}},
            "description",
            "description_length",
            "5001 characters",
        ),
        ({"main_image": {"*": {"*": "ftp://cdn/x.jpg"}}}, "image_link", "image_link_url", "not an absolute"),
    ],
)
def test_an_item_breaking_a_google_rule_is_held_back_and_the_rest_published(
    feeds, values, field, rule, message
):
    feeds.sellable("GOOD")
    feeds.sellable("BAD", **values)
    run = build(feeds)
    assert (run.published, run.held_back) == (1, 1)
    assert list(google_items(run)) == ["GOOD"]
    issue = run.issues.get(rule=rule)
    assert (issue.sku, issue.field) == ("BAD", field) and message in issue.message


def test_a_gtin_written_around_the_services_in_a_restricted_range_is_held_back(feeds):
    toy = feeds.sellable("INSTORE")
    Product.objects.filter(pk=toy.pk).update(gtin="2000000000008")
    run = build(feeds)
    assert "restricted prefix" in run.issues.get(rule="gtin_valid").message


def test_html_is_stripped_from_descriptions_for_google(feeds):
    feeds.sellable("HTML", description=described("<p>Doux &amp; <b>chaud</b></p>"))
    run = build(feeds)
    assert google_items(run)["HTML"]["description"] == "Doux & chaud"


def test_html_is_held_back_when_the_feed_is_told_not_to_strip_it(feeds):
    feeds.google.strip_html = False
    feeds.google.save()
    feeds.sellable("HTML", description=described("<p>Doux</p>"))
    run = build(feeds)
    assert run.issues.get().rule == "description_no_html"


def test_a_sold_out_item_goes_out_as_out_of_stock_or_is_dropped_per_feed_setting(feeds):
    feeds.sellable("GONE", stock=0)
    assert google_items(build(feeds))["GONE"]["availability"] == "out_of_stock"
    feeds.google.sold_out = "drop"
    feeds.google.save()
    run = build(feeds)
    assert (run.items, run.published, run.dropped) == (1, 0, 1)


def test_the_same_data_gives_the_same_bytes(feeds):
    for n in range(3):
        feeds.sellable(f"TOY-{n}", gtin=GTINS[n])
    first, second = build(feeds), build(feeds)
    assert first.checksum == second.checksum and read(first) == read(second)


def test_a_failed_build_leaves_the_last_good_feed_serving(feeds, monkeypatch):
    feeds.sellable("TOY-1")
    good = build(feeds)
    feeds.google.refresh_from_db()
    assert feeds.google.current_run == good

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(services, "chunk_render", broken)
    with pytest.raises(RuntimeError):
        build(feeds)
    failed = FeedRun.objects.latest("id")
    feeds.google.refresh_from_db()
    assert failed.status == FeedRun.Status.FAILED and "disk full" in failed.error
    assert feeds.google.current_run == good and read(good)


def test_a_sale_to_zero_marks_the_feed_and_the_next_build_sends_it_out_of_stock(
    feeds, django_capture_on_commit_callbacks
):
    feeds.sellable("TOY-1")
    build(feeds)
    feeds.google.refresh_from_db()
    assert not feeds.google.dirty
    with django_capture_on_commit_callbacks(execute=True):
        stock_apply_batch(actor=None, lines=[StockLine(sku="TOY-1", location="WH", quantity=0)])
    feeds.google.refresh_from_db()
    assert feeds.google.dirty
    [run_id] = services.feeds_build_dirty()
    assert google_items(FeedRun.objects.get(pk=run_id))["TOY-1"]["availability"] == "out_of_stock"
    assert services.feeds_build_dirty() == []


def test_the_feeds_marked_by_one_change_are_built_as_of_the_same_instant(feeds):
    web = services.feed_create(
        actor=None, channel=feeds.shop.web, name="catalog", format=Feed.Format.JSONL, locale="fr_FR"
    )
    feeds.sellable("TOY-1")
    services.feeds_mark_dirty()
    with time_machine.travel(datetime(2026, 11, 30, 23, 59, 59, 999000, tzinfo=UTC), tick=True):
        started = FeedRun.objects.filter(pk__in=services.feeds_build_dirty())
        assert sorted(started.values_list("feed_id", flat=True)) == sorted([feeds.google.pk, web.pk])
    assert len({run.at for run in started}) == 1
