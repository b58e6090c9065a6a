"""Renditions: Pillow's work (orientation, colour profile, transparency, fit) and their cache by source."""

import io

import pytest
from PIL import Image

from apps.assets import imaging, services
from apps.assets.models import Rendition, RenditionSpec
from tests.assets.factories import (
    RenditionSpecFactory,
    picture,
    rotated_exif,
    swapped_primaries_profile,
    upload,
)


def rendered(data: bytes, box: imaging.Box, focal=None) -> Image.Image:
    out, width, height = imaging.render(data, box, focal)
    img = Image.open(io.BytesIO(out))
    assert img.size == (width, height)
    return img


def test_exif_orientation_is_applied_before_fitting():
    img = rendered(picture(400, 200, exif=rotated_exif(6)), imaging.Box(100, 100, "JPEG", "contain"))
    assert img.size == (50, 100) and not img.getexif().get(0x0112)


def test_the_colour_profile_is_converted_to_srgb():
    source = io.BytesIO()
    Image.new("RGB", (20, 20), (255, 0, 0)).save(source, "PNG", icc_profile=swapped_primaries_profile())
    img = rendered(source.getvalue(), imaging.Box(10, 10, "PNG", "contain"))
    assert img.getpixel((5, 5)) == (0, 0, 255)


def test_transparency_is_flattened_on_the_specs_background_for_jpeg_and_kept_for_webp():
    source = io.BytesIO()
    Image.new("RGBA", (20, 20), (0, 0, 0, 0)).save(source, "PNG")
    jpeg = rendered(source.getvalue(), imaging.Box(10, 10, "JPEG", "contain", background="#ff0000"))
    assert jpeg.mode == "RGB" and all(
        abs(a - b) < 8 for a, b in zip(jpeg.getpixel((5, 5)), (255, 0, 0), strict=True)
    )
    webp = rendered(source.getvalue(), imaging.Box(10, 10, "WEBP", "contain"))
    assert webp.mode == "RGBA" and webp.getpixel((5, 5))[3] == 0


def test_contain_fits_inside_cover_fills_around_the_focal_point_and_neither_upscales():
    wide = Image.new("RGB", (400, 100), (0, 0, 255))
    wide.paste((255, 0, 0), (0, 0, 100, 100))  # a red square on the left
    data = io.BytesIO()
    wide.save(data, "PNG")
    assert rendered(data.getvalue(), imaging.Box(200, 200, "PNG", "contain")).size == (200, 50)
    cover = rendered(data.getvalue(), imaging.Box(50, 50, "PNG", "cover"), focal=(0.1, 0.5))
    assert cover.size == (50, 50) and cover.getpixel((25, 25)) == (255, 0, 0)
    assert rendered(data.getvalue(), imaging.Box(1000, 1000, "PNG", "contain")).size == (400, 100)


@pytest.mark.django_db
def test_uploads_queue_renditions_for_every_spec_cached_by_source_and_remade_when_it_changes(
    catalog, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        asset = upload(data=picture(1600, 1200))
    made = {r.spec.code: (r.width, r.height) for r in Rendition.objects.filter(asset=asset)}
    assert set(made) == set(RenditionSpec.objects.values_list("code", flat=True))  # other apps add specs
    assert (made["thumbnail"], made["google_feed"]) == ((200, 150), (1200, 900))
    assert services.renditions_generate(asset_ids=[asset.pk]) == 0  # cached
    old = Rendition.objects.get(asset=asset, spec=catalog.google_spec)
    with django_capture_on_commit_callbacks(execute=True):
        services.asset_replace(actor=None, asset=asset, name="new.png", data=picture(800, 800, fmt="PNG"))
    new = Rendition.objects.get(asset=asset, spec=catalog.google_spec)
    asset.refresh_from_db()
    assert (new.source_sha256, new.width, new.height) == (asset.sha256, 800, 800) and new.pk != old.pk
    assert not old.file.storage.exists(old.file.name)


@pytest.mark.django_db
def test_a_new_spec_queues_renditions_of_the_existing_pictures(django_capture_on_commit_callbacks):
    asset = upload(data=picture(900, 900))
    with django_capture_on_commit_callbacks(execute=True):
        services.rendition_spec_save(
            actor=None,
            spec=RenditionSpecFactory.build(code="meta_feed", width=300, height=300, format="WEBP"),
        )
    rendition = Rendition.objects.get(asset=asset, spec__code="meta_feed")
    assert rendition.file.name.endswith(".webp") and (rendition.width, rendition.height) == (300, 300)
