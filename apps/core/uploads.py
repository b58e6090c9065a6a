"""Bounds on every uploaded or imported file, checked before its content is read (#40).

A file is refused when it is larger than `NOEL_IMPORT_MAX_BYTES` (imports) or `NOEL_ASSET_MAX_BYTES`
(assets). A ZIP, and an XLSX (a ZIP of XML files), is refused from its table of contents alone, before
any entry is inflated, when it has more than `NOEL_ARCHIVE_MAX_ENTRIES` entries, when its entries
inflate to more than `NOEL_ARCHIVE_MAX_INFLATED` bytes in all, or when it or one of its entries inflates
more than `NOEL_ARCHIVE_MAX_RATIO` times its compressed size (a "zip bomb": a megabyte of zeros that
inflates to gigabytes). Python's zipfile never inflates an entry beyond its declared size, so the table
of contents is a true bound on what reading the file costs.
"""

from __future__ import annotations

import zipfile
from typing import IO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# Entries this small are not judged by their ratio: a few kilobytes of XML may compress 200 times.
RATIO_FLOOR = 1024 * 1024


def mb(size: int) -> str:
    """A size people read: 1000 bytes, 2.1 kB, 24.0 MB."""
    if size < 1024:
        return _("{n} bytes").format(n=size)
    if size < 1024 * 1024:
        return _("{n} kB").format(n=f"{size / 1024:.1f}")
    return _("{n} MB").format(n=f"{size / 1024 / 1024:.1f}")


def import_max_bytes() -> int:
    return int(settings.NOEL_IMPORT_MAX_BYTES)


def size_check(name: str, size: int | None, limit: int) -> None:
    """Refuse a file over `limit` bytes, from its size as uploaded (nothing read)."""
    if size is not None and size > limit:
        raise ValidationError(
            _("{name}: {size} is over the size limit of {limit}; nothing was stored").format(
                name=name, size=mb(size), limit=mb(limit)
            )
        )


def is_archive(handle: IO[bytes]) -> bool:
    position = handle.tell()
    head = handle.read(4)
    handle.seek(position)
    return head == b"PK\x03\x04"


class UnreadableArchive(ValidationError):
    """Not a ZIP at all, or a damaged one: the reader of the file says what is wrong in its own terms."""


def archive_check(name: str, source: IO[bytes] | str, size: int | None = None) -> None:
    """Refuse a ZIP or XLSX whose table of contents promises too much, before inflating anything."""
    try:
        with zipfile.ZipFile(source) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise UnreadableArchive(
            _("{name}: not a readable ZIP or XLSX file ({exc})").format(name=name, exc=exc)
        ) from exc
    finally:
        if hasattr(source, "seek"):
            source.seek(0)
    if len(entries) > settings.NOEL_ARCHIVE_MAX_ENTRIES:
        raise ValidationError(
            _("{name}: {count} files inside, more than the {limit} allowed; nothing was stored").format(
                name=name, count=len(entries), limit=settings.NOEL_ARCHIVE_MAX_ENTRIES
            )
        )
    inflated = sum(entry.file_size for entry in entries)
    if inflated > settings.NOEL_ARCHIVE_MAX_INFLATED:
        raise ValidationError(
            _("{name}: its content unpacks to {size}, over the limit of {limit}; nothing was stored").format(
                name=name, size=mb(inflated), limit=mb(settings.NOEL_ARCHIVE_MAX_INFLATED)
            )
        )
    ratio = settings.NOEL_ARCHIVE_MAX_RATIO
    compressed = sum(entry.compress_size for entry in entries)
    suspicious = [
        entry
        for entry in entries
        if entry.file_size > RATIO_FLOOR and entry.file_size > ratio * max(entry.compress_size, 1)
    ]
    if suspicious or (inflated > RATIO_FLOOR and inflated > ratio * max(size or compressed, 1)):
        entry = suspicious[0].filename if suspicious else name
        raise ValidationError(
            _(
                "{name}: {entry} unpacks to more than {ratio} times its packed size, which no genuine "
                "file does (a ZIP bomb?); nothing was stored"
            ).format(name=name, entry=entry, ratio=ratio)
        )


def upload_check(name: str, handle: IO[bytes], size: int | None, limit: int) -> None:
    """Every bound of an uploaded file: its size, and its table of contents when it is a ZIP or XLSX."""
    size_check(name, size, limit)
    if is_archive(handle):
        archive_check(name, handle, size)
