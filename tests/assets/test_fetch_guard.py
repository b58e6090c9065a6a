"""Pictures named by address are fetched only from public http(s) addresses: a URL cannot make the worker
read Noel's own network (loopback, private ranges, the cloud's metadata service) and store the answer as
an asset. Checked after DNS resolution and on every redirect, with a size and a time cap. A real HTTP
server on 127.0.0.1 plays the internal service."""

import ipaddress
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from apps.assets import services
from apps.assets import tasks as asset_tasks
from apps.assets.models import Asset
from apps.core.models import AuditLog, Role
from apps.core.outbound import FetchRefused, address_is_public, fetch_public
from tests.assets.factories import picture
from tests.core.factories import UserFactory

PICTURE = picture(300, 300)


@pytest.fixture
def internal():
    """An "internal" service on loopback: /secret.jpg answers a picture, /slow trickles, /big is large,
    /hop redirects to the URL in its query."""
    hits: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            hits.append(self.path)
            if self.path.startswith("/hop?"):
                self.send_response(302)
                self.send_header("Location", self.path.split("?", 1)[1])
                self.end_headers()
                return
            if self.path == "/slow":
                self.send_response(200)
                self.end_headers()
                for _ in range(30):
                    self.wfile.write(b"x" * 10)
                    self.wfile.flush()
                    time.sleep(0.1)
                return
            body = PICTURE if self.path == "/secret.jpg" else b"y" * 5000 if self.path == "/big" else None
            self.send_response(200 if body else 404)
            self.end_headers()
            self.wfile.write(body or b"not here")

        def log_message(self, *args):
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd.server_address[1], hits
    httpd.shutdown()
    httpd.server_close()


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254", "100.64.0.1",
        "100.100.100.200", "0.0.0.0", "224.0.0.1", "240.0.0.1", "255.255.255.255", "198.18.0.1",
        "::1", "::", "fe80::1", "fc00::1", "fd00:ec2::254", "ff02::1", "::ffff:127.0.0.1",
        "::ffff:169.254.169.254", "::ffff:10.0.0.1", "64:ff9b::a00:1", "2002:7f00:1::1",
    ],
)  # fmt: skip
def test_non_public_addresses_are_refused(address):
    assert not address_is_public(ipaddress.ip_address(address))


@pytest.mark.parametrize("address", ["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111", "::ffff:8.8.8.8"])
def test_public_addresses_are_allowed(address):
    assert address_is_public(ipaddress.ip_address(address))


def test_a_loopback_address_is_refused_before_any_request_is_sent(internal):
    port, hits = internal
    for host in ("127.0.0.1", "localhost", "[::ffff:127.0.0.1]"):
        with pytest.raises(FetchRefused, match="not a public address"):
            fetch_public(f"http://{host}:{port}/secret.jpg", max_bytes=10**6, timeout=5)
    assert hits == []


def test_other_schemes_are_refused():
    for url in ("file:///etc/passwd", "ftp://example.com/a.jpg", "gopher://example.com/"):
        with pytest.raises(FetchRefused, match="not an http"):
            fetch_public(url, max_bytes=10**6, timeout=5)


def test_a_redirect_from_an_allowed_host_to_a_loopback_address_is_refused(internal, settings):
    port, hits = internal
    settings.NOEL_MEDIA_FETCH_ALLOW_HOSTS = [f"127.0.0.1:{port}"]
    assert fetch_public(f"http://127.0.0.1:{port}/secret.jpg", max_bytes=10**6, timeout=5) == PICTURE
    with pytest.raises(FetchRefused, match="not a public address"):
        fetch_public(f"http://127.0.0.1:{port}/hop?http://localhost:{port}/secret.jpg", max_bytes=10**6)
    assert hits == ["/secret.jpg", f"/hop?http://localhost:{port}/secret.jpg"]


def test_an_answer_over_the_size_cap_is_refused(internal, settings):
    port, _hits = internal
    settings.NOEL_MEDIA_FETCH_ALLOW_HOSTS = [f"127.0.0.1:{port}"]
    with pytest.raises(FetchRefused, match="larger than"):
        fetch_public(f"http://127.0.0.1:{port}/big", max_bytes=1000, timeout=5)


def test_an_answer_over_the_time_cap_is_refused(internal, settings):
    port, _hits = internal
    settings.NOEL_MEDIA_FETCH_ALLOW_HOSTS = [f"127.0.0.1:{port}"]
    started = time.monotonic()
    with pytest.raises(FetchRefused, match="no answer in time"):
        fetch_public(f"http://127.0.0.1:{port}/slow", max_bytes=10**6, timeout=1)
    assert time.monotonic() - started < 2.5


def test_the_media_fetch_task_stores_nothing_from_a_loopback_address(shop, internal):
    """The attack of issue #35: a job naming a loopback URL made the worker fetch it and keep the answer."""
    port, hits = internal
    from apps.products import services as product_services

    product_services.product_create(actor=None, sku="TOY-1", family=shop.toys, values={})
    admin = UserFactory(username="ada", roles=[Role.ADMIN])
    linked = asset_tasks.media_fetch([["TOY-1", f"http://127.0.0.1:{port}/secret.jpg", True]], admin.pk)
    assert linked == 0 and hits == [] and not Asset.objects.exists()
    failure = AuditLog.objects.get(action="asset.fetch_failed")
    assert "not a public address" in failure.diff["reason"]


def test_the_import_fetch_refuses_a_metadata_address(shop):
    done = services.media_fetch(
        actor=None, links=[("TOY-1", "http://169.254.169.254/latest/meta-data/", True)]
    )
    assert (
        done.assets == 0 and "not a public address" in done.failed["http://169.254.169.254/latest/meta-data/"]
    )
