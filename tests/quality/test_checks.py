"""Checks: findings are keyed (a re-run updates, never duplicates), close when the fault is gone, open
again when it comes back, are audited, run on change and nightly, and give scores."""

import pytest
from celery.signals import task_prerun
from django_celery_beat.models import PeriodicTask

from apps.core import events
from apps.core.models import AuditLog
from apps.products import services as product_services
from apps.products.events import ProductsChanged
from apps.quality import services
from apps.quality.models import Finding, ProductScore
from tests.channels.helpers import described
from tests.quality.helpers import check, good, open_findings


def _forbidden(feeds, sku="TOY-1", approve=True):
    return feeds.sellable(sku, approve=approve, description=described("Lorem ipsum, un jouet"))


def _fix(product, text="Un beau jouet en bois"):
    product.refresh_from_db()
    return product_services.product_update(
        actor=None,
        product=product,
        expected_version=product.version,
        changes={"values": {"description": described(text)}},
    )


def test_a_rerun_updates_the_open_finding_instead_of_adding_another(feeds):
    product = _forbidden(feeds)
    first = check(product, rules=["forbidden_words"])
    second = check(product, rules=["forbidden_words"])
    findings = Finding.objects.filter(product=product, rule="forbidden_words")
    assert (first.opened, second.opened, second.still_open) == (len(findings), 0, len(findings))
    assert findings.exists()
    assert all(f.last_seen > f.first_seen for f in findings)


def test_a_fixed_product_closes_its_finding_and_a_returning_fault_opens_it_again(feeds):
    product = _forbidden(feeds, approve=False)
    check(product, rules=["forbidden_words"])
    _fix(product)
    report = check(product, rules=["forbidden_words"])
    assert report.resolved >= 1 and open_findings(product, "forbidden_words") == []
    closed = Finding.objects.filter(product=product, rule="forbidden_words").first()
    assert closed.resolved_at is not None
    _fix(product, "Lorem ipsum encore")
    check(product, rules=["forbidden_words"])
    resolved_at = closed.resolved_at
    closed.refresh_from_db()
    assert closed.resolved_at is None and closed.first_seen > resolved_at
    assert Finding.objects.filter(product=product, rule="forbidden_words").count() == len(
        open_findings(product, "forbidden_words")
    )


def test_a_check_is_audited_with_what_it_opened_and_resolved(feeds):
    product = _forbidden(feeds)
    check(product, rules=["forbidden_words"])
    row = AuditLog.objects.filter(action="quality.check").latest("id")
    assert row.object_code == "TOY-1"
    assert row.diff["opened"] == len(open_findings(product)) and row.diff["resolved"] == 0


def test_rules_not_run_leave_their_findings_alone(feeds):
    product = _forbidden(feeds, approve=False)
    check(product, rules=["forbidden_words"])
    _fix(product)
    check(product, rules=["html_in_text"])
    assert open_findings(product, "forbidden_words")


def test_a_product_change_rechecks_it_after_commit(feeds, django_capture_on_commit_callbacks):
    product = feeds.sellable("TOY-1", approve=False)
    assert open_findings(product, "forbidden_words") == []
    with django_capture_on_commit_callbacks(execute=True):
        _fix(product, "TODO: écrire la description")
    assert open_findings(product, "forbidden_words")


@pytest.mark.parametrize(
    ("skus", "tasks"),
    [
        (("TOY-1",), ["quality.check_products"]),
        (("TOY-1", "TOY-2"), ["quality.queue_checks", "quality.check_products", "quality.check_products"]),
    ],
)
def test_a_batch_larger_than_a_chunk_is_looked_up_by_a_worker_not_by_the_writer(
    feeds, settings, django_capture_on_commit_callbacks, skus, tasks
):
    settings.NOEL_QUALITY_CHUNK = 1
    products = [_forbidden(feeds, sku, approve=False) for sku in skus]
    ran = []

    def record(sender=None, **kwargs):
        ran.append(sender.name)

    task_prerun.connect(record)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            events.publish(ProductsChanged(skus=skus, source="import"))
    finally:
        task_prerun.disconnect(record)
    assert ran == tasks
    assert all(open_findings(p, "forbidden_words") for p in products)


def test_the_nightly_run_checks_every_product_in_chunks_and_is_scheduled(feeds):
    products = [_forbidden(feeds, f"TOY-{n}") for n in range(3)]
    report = services.quality_check_catalog(chunk=2)
    assert report.products == 3
    assert all(open_findings(p, "forbidden_words") for p in products)
    assert AuditLog.objects.filter(action="quality.check_catalog").count() == 1
    assert PeriodicTask.objects.get(task="quality.check_catalog").crontab.hour == "2"


def test_scores_count_blocking_and_warnings_overall_and_per_channel(feeds):
    fine = good(feeds, "GOOD-1")
    bad = _forbidden(feeds)
    check(fine, bad)
    assert ProductScore.objects.get(product=fine).score == 100
    score = ProductScore.objects.get(product=bad)
    blocking = Finding.objects.filter(product=bad, severity="blocking", resolved_at__isnull=True).count()
    assert score.blocking == blocking >= 1
    assert score.score == max(0, 100 - 20 * score.blocking - 5 * score.warnings)
    assert score.channels["google"] < 100 and set(score.channels) >= {"google", "web"}


def test_a_stock_change_rechecks_the_product(feeds, django_capture_on_commit_callbacks):
    from apps.inventory.services import StockLine, stock_apply_batch
    from apps.pricing.models import EffectivePrice

    product = good(feeds, "TOY-1")
    EffectivePrice.objects.filter(product=product, channel=feeds.shop.google).update(promotion="NOEL20")
    with django_capture_on_commit_callbacks(execute=True):
        stock_apply_batch(actor=None, lines=[StockLine("TOY-1", "WH", 0)])
    assert [f.channel.code for f in open_findings(product, "promoted_no_stock")] == ["google"]


def test_a_price_change_rechecks_the_product(feeds, django_capture_on_commit_callbacks):
    from apps.pricing.services import price_set

    product = good(feeds, "TOY-1", price="19.90")
    with django_capture_on_commit_callbacks(execute=True):
        price_set(actor=None, product=product, channel=feeds.shop.google, amount="199.00", confirm=True)
    assert [f.channel.code for f in open_findings(product, "price_typo")] == ["google"]
