"""The DAM accepts only the files it needs, told by their content (#40): no SVG, HTML, script or unknown
file that a browser could run from Noel's origin; and media served from that origin never run."""

import importlib
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory
from django.urls import clear_url_caches

from apps.assets import services
from apps.assets.models import Asset
from apps.core.media import media
from apps.core.models import Role
from tests.api_helpers import bearer, token_for
from tests.assets.factories import picture, zip_of

pytestmark = pytest.mark.django_db
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(document.cookie)"><circle r="9"/></svg>'
HOSTILE = [
    ("logo.svg", SVG),
    ("logo.SVGZ", SVG),
    ("page.html", b"<!doctype html><script>fetch('/api/v1/products')</script>"),
    ("page.htm", b"<html><body onload=alert(1)>"),
    ("app.js", b"alert(document.domain)"),
    ("notes.txt", b"just some text"),
    ("data.bin", b"\x00\x01\x02\x03"),
    ("nameless", b"<svg/onload=alert(1)>"),
]


@pytest.mark.parametrize(("name", "data"), HOSTILE)
def test_a_file_that_is_no_picture_pdf_or_video_is_refused_and_nothing_stored(settings, name, data):
    with pytest.raises(ValidationError) as refused:
        services.asset_upload(actor=None, name=name, data=data)
    message = refused.value.message_dict["file"][0]
    assert name in message and ("not a file the DAM accepts" in message or "the content is" in message)
    assert not Asset.objects.exists()


def test_an_svg_named_as_a_picture_is_refused_by_its_content(settings):
    with pytest.raises(ValidationError) as refused:
        services.asset_upload(actor=None, name="photo.png", data=SVG)
    assert "its extension .png says a PNG image" in refused.value.message_dict["file"][0]


def test_the_api_and_the_admin_and_a_zip_refuse_an_svg(catalog, client, settings):
    token = bearer(token_for(roles=(Role.MERCHANDISER,), username="margot-api"))
    response = client.post("/api/v1/assets", {"file": SimpleUploadedFile("logo.svg", SVG)}, **token)
    assert response.status_code == 422 and "not a file the DAM accepts" in response.json()["message"]
    client.force_login(catalog.merchandiser)
    page = client.post(
        "/admin/assets/asset/upload/", {"files": [SimpleUploadedFile("logo.svg", SVG)]}, follow=True
    ).content.decode()
    assert "logo.svg: not a file the DAM accepts" in page
    with pytest.raises(ValidationError):
        services.assets_upload_zip(
            actor=None, name="shoot.zip", data=zip_of({"TOY-1_1.jpg": picture(), "x.svg": SVG})
        )
    assert not Asset.objects.exists()


def test_an_avif_picture_is_accepted_as_an_image(settings):
    asset = services.asset_upload(actor=None, name="sapin.avif", data=picture(64, 48, fmt="AVIF")).asset
    assert (asset.kind, asset.mime_type, asset.width, asset.height) == ("image", "image/avif", 64, 48)


def served(settings, name: str, data: bytes):
    path = Path(settings.MEDIA_ROOT) / "assets" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return media(RequestFactory().get(f"/media/assets/{name}"), f"assets/{name}")


def test_media_are_served_with_nosniff_and_a_sandboxing_csp_pictures_inline(settings):
    response = served(settings, "a.jpg", picture())
    assert response["Content-Type"] == "image/jpeg"
    assert not response.get("Content-Disposition", "").startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"


@pytest.mark.parametrize(
    ("name", "content_type"),
    [
        ("old.svg", "application/octet-stream"),
        ("old.html", "application/octet-stream"),
        ("old.js", "application/octet-stream"),
        ("leaflet.pdf", "application/pdf"),
    ],
)
def test_media_that_are_no_picture_are_downloads_and_never_run(settings, name, content_type):
    response = served(settings, name, SVG)  # a file stored before the DAM refused such types
    assert response["Content-Type"] == content_type and response["Content-Disposition"] == "attachment"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"


def test_the_media_route_of_make_run_goes_through_the_safe_view(settings, client):
    import config.urls

    settings.DEBUG = True
    try:
        importlib.reload(config.urls)
        clear_url_caches()
        path = Path(settings.MEDIA_ROOT) / "assets" / "x.svg"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(SVG)
        response = client.get("/media/assets/x.svg")
        assert response.status_code == 200 and response["Content-Type"] == "application/octet-stream"
        assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
    finally:
        settings.DEBUG = False
        importlib.reload(config.urls)
        clear_url_caches()
