"""Pictures a Shopify export names by address (Image Src, Variant Image) are fetched into the DAM by a
job once the import commits, and linked: the first as the main picture, the others as the gallery, a
variant's own as its main picture. Served here by a real HTTP server on localhost."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from apps.assets.models import Asset, ProductAsset
from apps.core.models import AuditLog
from apps.products.models import Product
from apps.quality.models import Finding
from apps.quality.services import quality_check
from tests.assets.factories import picture
from tests.exchange.test_shopify import EXPORT, run

Role = ProductAsset.Role
PICTURES = {
    "/jumper-red.jpg": picture(700, 700),
    "/jumper-back.jpg": picture(640, 700),
    "/jumper-green.jpg": picture(600, 600),
    "/towel.jpg": picture(800, 600),
}


@pytest.fixture
def server(settings):
    """Serves PICTURES (404 for anything else) and counts the requests for each path. Loopback is no
    public address: this test server is let through by name, as only tests do."""
    hits: dict[str, int] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            hits[self.path] = hits.get(self.path, 0) + 1
            body = PICTURES.get(self.path)
            self.send_response(200 if body else 404)
            self.end_headers()
            self.wfile.write(body or b"not here")

        def log_message(self, *args):
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    settings.NOEL_MEDIA_FETCH_ALLOW_HOSTS = [f"127.0.0.1:{httpd.server_address[1]}"]
    yield f"http://127.0.0.1:{httpd.server_address[1]}", hits
    httpd.shutdown()
    httpd.server_close()


def export_from(base: str, **replace: str) -> bytes:
    text = EXPORT.read_text(encoding="utf-8").replace("https://cdn.shopify.com/s/files/1", base)
    for old, new in replace.items():
        text = text.replace(old, new)
    return text.encode()


def links(sku: str) -> list[tuple[str, str]]:
    rows = ProductAsset.objects.filter(product__sku=sku).order_by("role", "position")
    return [(link.role, Path(link.asset.source_url).name) for link in rows.select_related("asset")]


def test_pictures_named_by_address_are_fetched_once_the_import_commits_and_linked(
    db, server, django_capture_on_commit_callbacks
):
    base, hits = server
    with django_capture_on_commit_callbacks(execute=True):
        report = run(export_from(base))
    assert report.created == 5 and report.error_count == 0
    assert links("wool-jumper") == [(Role.GALLERY, "jumper-back.jpg"), (Role.MAIN, "jumper-red.jpg")]
    assert links("JMP-M-GREEN") == [(Role.MAIN, "jumper-green.jpg")]
    assert links("TOWEL-1") == [(Role.MAIN, "towel.jpg")]
    assert Asset.objects.count() == 4 and all(hits[path] == 1 for path in PICTURES)
    assert Product.objects.get(sku="wool-jumper").values["image"]["*"]["*"] == f"{base}/jumper-red.jpg"


def test_a_picture_fetched_before_is_not_fetched_again(db, server, django_capture_on_commit_callbacks):
    base, hits = server
    with django_capture_on_commit_callbacks(execute=True):
        run(export_from(base))
    with django_capture_on_commit_callbacks(execute=True):
        run(export_from(base))
    assert all(hits[path] == 1 for path in PICTURES) and Asset.objects.count() == 4


def test_a_picture_that_cannot_be_fetched_is_audited_and_the_rest_still_arrive(
    db, server, django_capture_on_commit_callbacks
):
    base, _hits = server
    with django_capture_on_commit_callbacks(execute=True):
        report = run(export_from(base, **{"/towel.jpg": "/gone.jpg"}))
    assert report.created == 5, "the products are imported all the same"
    assert links("TOWEL-1") == [] and links("wool-jumper")[1] == (Role.MAIN, "jumper-red.jpg")
    failure = AuditLog.objects.get(action="asset.fetch_failed")
    assert failure.diff == {
        "url": f"{base}/gone.jpg",
        "reason": "HTTP Error 404: Not Found",
        "skus": ["TOWEL-1"],
    }


def test_a_dry_run_fetches_nothing(db, server, django_capture_on_commit_callbacks):
    base, hits = server
    with django_capture_on_commit_callbacks(execute=True):
        run(export_from(base), dry_run=True)
    assert hits == {} and not Asset.objects.exists()


def test_a_main_picture_that_cannot_be_fetched_is_flagged_until_one_arrives(
    db, server, django_capture_on_commit_callbacks
):
    """The product, imported all the same, gets the finding of a picture missing from an Akeneo archive."""
    base, _hits = server
    missing = Finding.objects.filter(rule="import_picture_missing", resolved_at__isnull=True)
    with django_capture_on_commit_callbacks(execute=True):
        run(export_from(base, **{"/towel.jpg": "/gone.jpg", "jumper-back.jpg": "lost-back.jpg"}))
    # the towel's only picture is gone; the jumper lacks a gallery picture, not its main one
    assert dict(missing.values_list("product__sku", "message")) == {
        "TOWEL-1": "picture gone.jpg named in the import was missing"
    }
    with django_capture_on_commit_callbacks(execute=True):
        run(export_from(base))
    assert links("TOWEL-1") == [(Role.MAIN, "towel.jpg")]
    quality_check(product_ids=[Product.objects.get(sku="TOWEL-1").pk])
    assert not missing.exists()
