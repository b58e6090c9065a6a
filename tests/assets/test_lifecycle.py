"""Links, order, replacement, archive, deletion and expiry of assets."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from apps.assets import selectors, services
from apps.assets.events import AssetsExpired
from apps.assets.models import Asset, ProductAsset
from apps.core.events import subscribe, unsubscribe
from apps.core.models import AuditLog
from apps.products.models import Product
from tests.assets.factories import picture, upload

pytestmark = pytest.mark.django_db
Role = ProductAsset.Role


def roles(product) -> list[tuple[int, str, int]]:
    return [(lk.asset_id, lk.role, lk.position) for lk in selectors.product_pictures(product)]


def test_a_new_main_picture_moves_the_previous_one_to_the_end_of_the_gallery(catalog):
    toy = catalog.products[0]
    a, b, c = upload(), upload(), upload()
    services.product_asset_link(actor=None, product=toy, asset=a, role=Role.MAIN)
    services.product_asset_link(actor=None, product=toy, asset=b)
    services.product_asset_link(actor=None, product=toy, asset=c, role=Role.MAIN)
    assert roles(toy) == [(c.pk, "main", 1), (b.pk, "gallery", 1), (a.pk, "gallery", 2)]


def test_reordering_makes_the_first_picture_the_main_one_and_is_audited(catalog):
    toy = catalog.products[0]
    a, b, c, s = upload(), upload(), upload(), upload()
    la = services.product_asset_link(actor=catalog.merchandiser, product=toy, asset=a, role=Role.MAIN)
    lb = services.product_asset_link(actor=None, product=toy, asset=b)
    lc = services.product_asset_link(actor=None, product=toy, asset=c)
    services.product_asset_link(actor=None, product=toy, asset=s, role=Role.SWATCH)
    services.product_asset_reorder(actor=catalog.merchandiser, product=toy, link_ids=[lc.pk, la.pk, lb.pk])
    assert roles(toy) == [(c.pk, "main", 1), (a.pk, "gallery", 1), (b.pk, "gallery", 2), (s.pk, "swatch", 1)]
    assert AuditLog.objects.filter(
        action="asset.reorder", object_code="TOY-1", actor=catalog.merchandiser
    ).exists()


def test_reordering_refuses_a_link_of_another_product(catalog):
    other = services.product_asset_link(actor=None, product=catalog.products[1], asset=upload())
    with pytest.raises(ValidationError, match=f"TOY-1 has no picture link {other.pk}"):
        services.product_asset_reorder(actor=None, product=catalog.products[0], link_ids=[other.pk])


def test_deleting_a_used_asset_is_refused_with_the_list_of_its_uses(catalog):
    asset = upload("sapin.jpg")
    services.product_asset_link(actor=None, product=catalog.products[0], asset=asset, role=Role.MAIN)
    services.product_asset_link(actor=None, product=catalog.products[1], asset=asset, channel=catalog.google)
    with pytest.raises(ValidationError) as refused:
        services.asset_delete(actor=None, asset=asset)
    assert refused.value.messages == [
        "sapin.jpg is used and cannot be deleted: product TOY-1 (main); product TOY-2 (gallery) on google"
    ]
    assert Asset.objects.filter(pk=asset.pk).exists()


def test_deleting_an_unused_asset_removes_it_and_its_file(django_capture_on_commit_callbacks):
    asset = upload()
    storage, name, pk = asset.file.storage, asset.file.name, asset.pk
    with django_capture_on_commit_callbacks(execute=True):
        services.asset_delete(actor=None, asset=asset)
    assert not Asset.objects.exists() and not storage.exists(name)
    assert AuditLog.objects.filter(action="asset.delete", object_code=str(pk)).exists()


def test_archiving_with_a_successor_moves_the_links_and_flags_the_old_asset(catalog):
    old, new = upload(), upload()
    services.product_asset_link(actor=None, product=catalog.products[0], asset=old, role=Role.MAIN)
    services.asset_archive(actor=None, asset=old, replaced_by=new)
    old.refresh_from_db()
    assert (old.status, old.replaced_by) == ("archived", new)
    assert roles(catalog.products[0]) == [(new.pk, "main", 1)]
    with pytest.raises(ValidationError, match="is archived and cannot be linked"):
        services.product_asset_link(actor=None, product=catalog.products[1], asset=old)


def test_replacing_the_source_keeps_the_links_and_refuses_bytes_of_another_asset(catalog):
    asset, other = upload(), upload()
    services.product_asset_link(actor=None, product=catalog.products[0], asset=asset, role=Role.MAIN)
    data = picture(1000, 800)
    replaced = services.asset_replace(actor=None, asset=asset, name="retouched.jpg", data=data)
    assert (replaced.pk, replaced.width, replaced.original_name) == (asset.pk, 1000, "retouched.jpg")
    assert replaced.file.read() == data and roles(catalog.products[0]) == [(asset.pk, "main", 1)]
    with pytest.raises(ValidationError, match=f"already asset {other.pk}"):
        services.asset_replace(actor=None, asset=asset, name="x.jpg", data=other.file.read())


def test_the_expiry_job_flags_assets_whose_rights_ended_and_lists_products_and_channels(
    catalog, django_capture_on_commit_callbacks
):
    now = timezone.now()
    gone, later = upload(), upload()
    services.asset_update(actor=None, asset=gone, changes={"valid_until": now - timedelta(minutes=1)})
    services.asset_update(actor=None, asset=later, changes={"valid_until": now + timedelta(days=1)})
    services.product_asset_link(actor=None, product=catalog.products[0], asset=gone, channel=catalog.google)
    seen = []
    subscribe(AssetsExpired, seen.append)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            reports = services.assets_flag_expired()
    finally:
        unsubscribe(AssetsExpired, seen.append)
    assert [(r.asset.pk, [str(u) for u in r.usages]) for r in reports] == [
        (gone.pk, ["product TOY-1 (gallery) on google"])
    ]
    assert seen == [AssetsExpired(asset_ids=(gone.pk,), skus=("TOY-1",), channel_codes=("google",))]
    assert (
        Asset.objects.get(pk=gone.pk).status == "expired"
        and Asset.objects.get(pk=later.pk).status == "active"
    )
    services.asset_update(actor=None, asset=gone, changes={"valid_until": now + timedelta(days=30)})
    assert Asset.objects.get(pk=gone.pk).status == "active"


def test_upper_apps_add_their_usages_through_the_registry(catalog, monkeypatch):
    banner = upload("banner.jpg")
    monkeypatch.setattr(selectors, "_usage_providers", list(selectors._usage_providers))
    selectors.asset_usage_register(
        lambda asset: [selectors.Usage("campaign", "XMAS-2026", "banner")] if asset.pk == banner.pk else []
    )
    with pytest.raises(ValidationError, match=r"banner\.jpg is used .*: campaign XMAS-2026"):
        services.asset_delete(actor=None, asset=banner)


def test_the_demo_draws_pictures_for_the_first_products_with_the_channels_specs():
    from io import StringIO

    from django.core.management import call_command

    call_command("seed_demo", products=30, stdout=StringIO())
    tops = Product.objects.filter(parent__isnull=True).count()  # models and simple products, up to 24
    assert ProductAsset.objects.filter(role=Role.MAIN).count() == min(tops, 24) > 0
    assert Asset.objects.filter(status="expired").count() == 1
    assert {s.code for s in selectors.RenditionSpec.objects.filter(channel__isnull=False)} == {
        "google_feed",
        "meta_feed",
        "web_zoom",
    }
