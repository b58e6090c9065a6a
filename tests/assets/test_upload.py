"""Uploads: what is stored, what is refused (with a reason, storing nothing), and deduplication."""

from pathlib import Path

import pytest
from django.core.exceptions import ValidationError

from apps.assets import services
from apps.assets.events import AssetsChanged
from apps.assets.models import Asset, ProductAsset
from apps.core.batches import BatchRejected
from apps.core.events import subscribe, unsubscribe
from apps.core.models import AuditLog
from tests.assets.factories import picture, rotated_exif, upload, zip_of

pytestmark = pytest.mark.django_db


def stored_files(settings) -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def test_an_upload_stores_the_file_with_its_hash_kind_and_oriented_size_and_is_audited(settings):
    data = picture(640, 480, exif=rotated_exif(6))  # rotated 90°: people see it 480×640
    asset = upload("Sapin.JPG", data)
    assert (asset.kind, asset.mime_type, asset.width, asset.height) == ("image", "image/jpeg", 480, 640)
    assert asset.file.read() == data and asset.file.name.startswith(f"assets/{asset.sha256[:2]}/")
    assert AuditLog.objects.filter(action="asset.upload", object_code=str(asset.pk)).exists()


def test_the_same_bytes_uploaded_twice_are_stored_once_and_linked_to_the_second_product(catalog, settings):
    data = picture()
    first = services.asset_upload(actor=None, name="a.jpg", data=data, product=catalog.products[0])
    second = services.asset_upload(actor=None, name="copy.jpg", data=data, product=catalog.products[1])
    assert second.asset.pk == first.asset.pk and not second.created
    assert Asset.objects.count() == 1 and len(stored_files(settings)) == 1
    assert ProductAsset.objects.filter(asset=first.asset).count() == 2


def test_uploads_announce_the_change_after_commit(catalog, django_capture_on_commit_callbacks):
    seen = []
    subscribe(AssetsChanged, seen.append)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            services.asset_upload(actor=None, name="a.jpg", data=picture(), product=catalog.products[0])
    finally:
        unsubscribe(AssetsChanged, seen.append)
    assert {e.action for e in seen} == {"upload", "link"} and seen[-1].skus in {("TOY-1",), ()}


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        (
            "photo.jpg",
            picture(fmt="PNG"),
            "the content is a PNG image but its extension .jpg says a JPEG image",
        ),
        ("leaflet.pdf", picture(), "the content is a JPEG image but its extension .pdf says a PDF document"),
        ("notes.txt", b"%PDF-1.4 hello", "the content is a PDF document but its extension is .txt"),
        ("photo.png", picture(fmt="PNG")[:300], "the picture is corrupt or truncated"),
        ("photo.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 200, "the picture is corrupt or truncated"),
    ],
)
def test_a_file_whose_content_does_not_match_or_is_corrupt_is_refused_and_nothing_is_stored(
    settings, name, data, reason
):
    with pytest.raises(ValidationError) as refused:
        services.asset_upload(actor=None, name=name, data=data)
    assert reason in refused.value.message_dict["file"][0] and name in refused.value.message_dict["file"][0]
    assert not Asset.objects.exists() and not stored_files(settings)


def test_an_image_bomb_is_reported_as_too_many_pixels_not_a_crash(settings):
    bomb = picture(12000, 12000, fmt="PNG", mode="1")  # 144 Mpx in a few kB, over Pillow's 89 Mpx
    with pytest.raises(ValidationError) as refused:
        services.asset_upload(actor=None, name="bomb.png", data=bomb)
    assert "too many pixels to be a safe picture" in refused.value.messages[0]
    assert not Asset.objects.exists() and not stored_files(settings)


def test_a_file_over_the_size_limit_is_refused(settings):
    settings.NOEL_ASSET_MAX_BYTES = 1000
    with pytest.raises(ValidationError) as refused:
        services.asset_upload(actor=None, name="big.jpg", data=picture(800, 800))
    assert "is over the size limit of 0.0 MB" in refused.value.messages[0]
    assert not Asset.objects.exists() and not stored_files(settings)


def test_a_picture_below_a_channels_minimum_for_main_pictures_is_stored_with_a_warning(catalog):
    result = services.asset_upload(actor=None, name="tiny.jpg", data=picture(300, 200))
    assert result.warnings == [
        "tiny.jpg: 300×200 px is below the minimum of google for main pictures (500×500 px)"
    ]
    assert services.asset_upload(actor=None, name="big.jpg", data=picture(800, 600)).warnings == []


def test_a_zip_links_files_named_by_convention_and_lists_the_others_for_manual_linking(catalog):
    report = services.assets_upload_zip(
        actor=None,
        name="christmas.zip",
        data=zip_of(
            {
                "shoot/toy-1_1.jpg": picture(800, 800),
                "shoot/TOY-1_3.jpg": picture(800, 800),
                "TOY-2-swatch.png": picture(64, 64, fmt="PNG"),
                "banner.jpg": picture(900, 300),
                "UNKNOWN_1.jpg": picture(),
                "__MACOSX/._TOY-1_1.jpg": b"junk",
            }
        ),
        tags=["noel-2026"],
    )
    links = {(u.name, u.link.product.sku, u.link.role, u.link.position) for u in report.linked}
    assert links == {
        ("toy-1_1.jpg", "TOY-1", "main", 1),
        ("TOY-1_3.jpg", "TOY-1", "gallery", 3),
        ("TOY-2-swatch.png", "TOY-2", "swatch", 1),
    }
    assert sorted(u.name for u in report.unmatched) == ["UNKNOWN_1.jpg", "banner.jpg"]
    assert all(a.tags == ["noel-2026"] for a in Asset.objects.all()) and Asset.objects.count() == 5


@pytest.mark.parametrize(
    "evil", ["../../etc/cron.d/evil.jpg", "/tmp/evil.jpg", "ok/../../evil.jpg", "..\\evil.jpg"]
)
def test_a_zip_with_a_path_escaping_the_folder_is_refused_whole(catalog, settings, evil):
    data = zip_of({"TOY-1_1.jpg": picture(), evil: picture()})
    with pytest.raises(ValidationError) as refused:
        services.assets_upload_zip(actor=None, name="shoot.zip", data=data)
    assert f"the entry {evil!r} points outside the folder; nothing was stored" in refused.value.messages[0]
    assert not Asset.objects.exists() and not stored_files(settings)


def test_one_bad_file_in_a_batch_refuses_the_batch_naming_the_file(catalog, settings):
    with pytest.raises(BatchRejected) as refused:
        services.assets_upload_many(
            actor=None, files=[("TOY-1_1.jpg", picture()), ("TOY-1_2.jpg", b"not a picture")]
        )
    assert refused.value.errors[0].index == 2 and refused.value.errors[0].sku == "TOY-1_2.jpg"
    assert not Asset.objects.exists() and not stored_files(settings)


def test_a_file_name_keeps_only_its_last_part_without_control_characters():
    assert upload("C:\\photos\\../sa\x00pin.jpg").original_name == "sapin.jpg"
