"""A picture a Shopify export names by an address that cannot be fetched: the product, imported all the
same, gets the same quality finding as a picture missing from an Akeneo archive, until it has one."""

from apps.quality.models import Finding
from apps.quality.services import quality_check
from tests.assets.test_media_fetch import PICTURES, export_from, links, server  # noqa: F401
from tests.products.test_shopify import run


def flagged() -> dict[str, str]:
    rows = Finding.objects.filter(rule="import_picture_missing", resolved_at__isnull=True)
    return dict(rows.values_list("product__sku", "message"))


def test_a_main_picture_that_cannot_be_fetched_is_flagged_until_one_arrives(
    db, server, django_capture_on_commit_callbacks  # noqa: F811
):
    base, _hits = server
    with django_capture_on_commit_callbacks(execute=True):
        run(export_from(base, **{"/towel.jpg": "/gone.jpg", "jumper-back.jpg": "lost-back.jpg"}))
    # the towel's only picture is gone; the jumper lacks a gallery picture, not its main one
    assert flagged() == {"TOWEL-1": "picture gone.jpg named in the import was missing"}
    with django_capture_on_commit_callbacks(execute=True):
        run(export_from(base))
    assert links("TOWEL-1") != []
    quality_check(product_ids=[Finding.objects.get(rule="import_picture_missing").product_id])
    assert flagged() == {}
    assert set(PICTURES)
