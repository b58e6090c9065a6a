"""Fetching a file from an address someone typed (a picture named by URL): only from public http(s)
addresses, so a URL cannot make Noel's workers read its own network (loopback, private ranges, the cloud's
metadata service) and hand the answer back as an asset.

The host is resolved once, every address it resolves to must be public, and the connection goes to that
checked address (a second lookup could answer otherwise: DNS rebinding); each redirect is checked the
same way. The answer is capped in size and in total time. NOEL_MEDIA_FETCH_ALLOW_HOSTS names hosts
(`host` or `host:port`) let through without the address check: for tests, empty in production.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import time
from urllib.parse import urljoin, urlsplit

from django.conf import settings
from django.utils.translation import gettext as _

MAX_REDIRECTS = 5

# Ranges `ipaddress` does not already call private, reserved, link-local, loopback or multicast.
_BLOCKED = [
    ipaddress.ip_network(net)
    for net in (
        "0.0.0.0/8",  # "this network"
        "100.64.0.0/10",  # carrier-grade NAT (also Alibaba's metadata, 100.100.100.200)
        "192.0.0.0/24",  # IETF protocol assignments
        "198.18.0.0/15",  # benchmarking
        "255.255.255.255/32",
        "fd00:ec2::254/128",  # AWS metadata over IPv6 (inside fc00::/7 too)
        "64:ff9b:1::/48",  # local-use NAT64
    )
]
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


class FetchRefused(ValueError):
    """The address may not be fetched, or its answer was refused (size, time, status); says why."""


class NotPublic(FetchRefused):
    """The address is not on the public internet (loopback, private range, metadata service…)."""


def address_is_public(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """True for an address on the public internet; False for loopback, private, link-local, CGNAT,
    multicast, reserved, unspecified and metadata ranges, also when wrapped in IPv6 (IPv4-mapped,
    NAT64, 6to4, Teredo)."""
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return address_is_public(ip.ipv4_mapped)
        embedded = ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if embedded is None and ip in _NAT64:
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is not None and not address_is_public(embedded):
            return False
    if any(ip in net for net in _BLOCKED if net.version == ip.version):
        return False
    return ip.is_global and not (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
    )


def _allowed_without_check(host: str, port: int) -> bool:
    allowed = {entry.lower() for entry in getattr(settings, "NOEL_MEDIA_FETCH_ALLOW_HOSTS", [])}
    return host.lower() in allowed or f"{host.lower()}:{port}" in allowed


def _checked_address(url: str, host: str, port: int, deadline: float, allow_private: bool = False) -> str:
    """The address to connect to: the first the host resolves to, once all of them proved public."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise FetchRefused(_("{url}: the host {host} cannot be found").format(url=url, host=host)) from exc
    if time.monotonic() > deadline:
        raise FetchRefused(_("{url}: no answer in time").format(url=url))
    addresses = [ipaddress.ip_address(info[4][0].split("%", 1)[0]) for info in infos]
    if not addresses:
        raise FetchRefused(_("{url}: the host {host} cannot be found").format(url=url, host=host))
    if not allow_private and not _allowed_without_check(host, port):
        for ip in addresses:
            if not address_is_public(ip):
                raise NotPublic(
                    _("{url}: {host} is not a public address ({ip}); it is not fetched").format(
                        url=url, host=host, ip=ip
                    )
                )
    return str(addresses[0])


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to the checked address while naming the host in the request."""

    def __init__(self, host: str, port: int, address: str, timeout: float):
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self):
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """The same over TLS: the certificate is checked against the host's name."""

    def __init__(self, host: str, port: int, address: str, timeout: float):
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self):
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def fetch_public(url: str, *, max_bytes: int, timeout: float | None = None) -> bytes:
    """The body at a public http(s) address, following at most MAX_REDIRECTS redirects (each checked),
    refused past `max_bytes` or `timeout` seconds in all, or on any final answer but 200."""
    timeout = float(timeout if timeout is not None else settings.NOEL_MEDIA_FETCH_TIMEOUT)
    deadline = time.monotonic() + timeout
    current = url
    for _hop in range(MAX_REDIRECTS + 1):
        parts = urlsplit(current)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise FetchRefused(_("{url} is not an http(s) address").format(url=current))
        try:
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError as exc:
            raise FetchRefused(_("{url} is not an http(s) address").format(url=current)) from exc
        address = _checked_address(current, parts.hostname, port, deadline)
        kind = _PinnedHTTPSConnection if parts.scheme == "https" else _PinnedHTTPConnection
        connection = kind(parts.hostname, port, address, timeout=max(deadline - time.monotonic(), 0.1))
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        try:
            connection.request(
                "GET", target, headers={"User-Agent": "Noel PIM", "Accept-Encoding": "identity"}
            )
            answer = connection.getresponse()
            if answer.status in (301, 302, 303, 307, 308) and answer.getheader("Location"):
                current = urljoin(current, answer.getheader("Location"))
                continue
            if answer.status != 200:
                raise FetchRefused(f"HTTP Error {answer.status}: {answer.reason}")
            length = answer.getheader("Content-Length")
            if length and length.isdigit() and int(length) > max_bytes:
                raise FetchRefused(_("{url} is larger than the largest file accepted").format(url=current))
            return _read_capped(answer, current, max_bytes, deadline)
        except (OSError, http.client.HTTPException) as exc:
            if isinstance(exc, TimeoutError) or time.monotonic() > deadline:
                raise FetchRefused(_("{url}: no answer in time").format(url=current)) from exc
            raise FetchRefused(f"{current}: {exc}") from exc
        finally:
            connection.close()
    raise FetchRefused(_("{url}: too many redirects").format(url=url))


def _read_capped(answer: http.client.HTTPResponse, url: str, max_bytes: int, deadline: float) -> bytes:
    chunks, size = [], 0
    while True:
        if time.monotonic() > deadline:
            raise FetchRefused(_("{url}: no answer in time").format(url=url))
        chunk = answer.read1(64 * 1024) if hasattr(answer, "read1") else answer.read(64 * 1024)
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > max_bytes:
            raise FetchRefused(_("{url} is larger than the largest file accepted").format(url=url))
        chunks.append(chunk)


def post_public(
    url: str, body: bytes, headers: dict[str, str], *, timeout: float, allow_private: bool = False
) -> tuple[int, dict[str, str], bytes]:
    """POST `body` to a public http(s) address (checked now, connected to the checked address), without
    following redirects: (status, answer headers, the first 4 KiB of the answer). NotPublic when the
    address is not public (unless `allow_private`); OSError or http.client.HTTPException on a transport
    failure, TimeoutError past `timeout` seconds."""
    deadline = time.monotonic() + timeout
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise NotPublic(_("{url} is not an http(s) address").format(url=url))
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise NotPublic(_("{url} is not an http(s) address").format(url=url)) from exc
    address = _checked_address(url, parts.hostname, port, deadline, allow_private=allow_private)
    kind = _PinnedHTTPSConnection if parts.scheme == "https" else _PinnedHTTPConnection
    connection = kind(parts.hostname, port, address, timeout=max(deadline - time.monotonic(), 0.1))
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        connection.request("POST", target, body=body, headers={"User-Agent": "Noel PIM", **headers})
        answer = connection.getresponse()
        start = answer.read1(4096) if hasattr(answer, "read1") else answer.read(4096)
        return answer.status, {k.lower(): v for k, v in answer.getheaders()}, start
    finally:
        connection.close()
