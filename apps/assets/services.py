"""Writes of the DAM. Every one is atomic, audited, and announces what changed after commit.

A file is checked completely (size, content against extension, decodable, not a decompression bomb)
before anything is stored, and stored last; if the database write then fails, the stored file is
removed again, so a refused upload leaves nothing behind.
"""

from __future__ import annotations

import hashlib
import io
import re
import warnings
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import PurePosixPath
from typing import Any, Protocol
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

from apps.assets import imaging, policies, selectors
from apps.assets.events import AssetsChanged, AssetsExpired
from apps.assets.models import Asset, ProductAsset, Rendition, RenditionSpec
from apps.core import events, uploads
from apps.core.batches import BatchRejected, LineError
from apps.core.models import Channel, User
from apps.core.outbound import fetch_public
from apps.core.services import audit_record
from apps.products import services as product_services
from apps.products.models import Product

Role = ProductAsset.Role


class MissingPictures(Protocol):
    """Who keeps track of the main pictures a fetch did not bring (the quality app registers itself: the
    DAM never imports it)."""

    def __call__(self, *, actor: User | None, pictures: list[tuple[str, str, str]]) -> None:
        """(SKU, attribute code or "", file name) of each picture missing."""


missing_pictures: list[MissingPictures] = []

# extension → the content type its bytes must show: the only files the DAM accepts (#40: no SVG, HTML,
# script or unknown file, which a browser could run from Noel's origin)
_EXPECTED = {
    "jpg": "JPEG", "jpeg": "JPEG", "png": "PNG", "webp": "WEBP", "gif": "GIF", "tif": "TIFF", "tiff": "TIFF",
    "avif": "AVIF", "pdf": "PDF", "mp4": "MP4", "m4v": "MP4", "mov": "MP4", "webm": "WEBM", "mkv": "WEBM",
}  # fmt: skip
_KIND = {"PDF": Asset.Kind.PDF, "MP4": Asset.Kind.VIDEO, "WEBM": Asset.Kind.VIDEO}
_MIME = {
    "JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp", "GIF": "image/gif", "TIFF": "image/tiff",
    "AVIF": "image/avif",
    "PDF": "application/pdf", "MP4": "video/mp4", "WEBM": "video/webm",
}  # fmt: skip
_LABEL = {"PDF": "a PDF document", "MP4": "an MP4/QuickTime video", "WEBM": "a WebM/Matroska video"}


def max_bytes() -> int:
    return int(settings.NOEL_ASSET_MAX_BYTES)


def _sniff(data: bytes) -> str | None:
    """The content type told by the first bytes (magic numbers), whatever the name says."""
    if data.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "GIF"
    if data[:4] in (b"II*\x00", b"MM\x00*"):
        return "TIFF"
    if data.startswith(b"%PDF-"):
        return "PDF"
    if data[4:12] in (b"ftypavif", b"ftypavis"):
        return "AVIF"
    if data[4:8] == b"ftyp":
        return "MP4"
    if data.startswith(b"\x1a\x45\xdf\xa3"):
        return "WEBM"
    return None


def _describe(kind: str) -> str:
    return _LABEL.get(kind, f"a {kind} image")


@dataclass(frozen=True)
class Checked:
    """A file that passed every check, ready to store."""

    name: str
    data: bytes
    sha256: str
    kind: str
    mime_type: str
    width: int | None = None
    height: int | None = None


def asset_check(name: str, data: bytes) -> Checked:
    """Every check of an upload, storing nothing; ValidationError({"file": reason naming the file})."""
    name = (
        "".join(ch for ch in PurePosixPath(name.replace("\\", "/")).name if ch.isprintable())[:200] or "file"
    )
    if len(data) > max_bytes():
        raise ValidationError(
            {"file": f"{name}: {_mb(len(data))} is over the size limit of {_mb(max_bytes())}"}
        )
    if not data:
        raise ValidationError({"file": f"{name}: the file is empty"})
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    expected, found = _EXPECTED.get(ext), _sniff(data)
    if found != expected and (expected or found):
        said = f"its extension .{ext} says {_describe(expected)}" if expected else f"its extension is .{ext}"
        what = _describe(found) if found else "something else"
        raise ValidationError({"file": f"{name}: the content is {what} but {said}; nothing was stored"})
    if found is None:
        raise ValidationError(
            {
                "file": _(
                    "{name}: not a file the DAM accepts (JPEG, PNG, WebP, GIF, TIFF or AVIF pictures, PDF "
                    "documents, MP4 or WebM videos, told by their content); nothing was stored"
                ).format(name=name)
            }
        )
    digest = hashlib.sha256(data).hexdigest()
    if found in _KIND:
        return Checked(name, data, digest, _KIND[found], _MIME[found])
    width, height = _check_image(name, data, found)
    return Checked(name, data, digest, Asset.Kind.IMAGE, _MIME[found], width, height)


def _check_image(name: str, data: bytes, expected: str) -> tuple[int, int]:
    """Decode the whole picture: a truncated or corrupt file fails here, not later in a worker."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as img:
                if img.format != expected:
                    raise ValidationError(
                        {"file": f"{name}: the content is {_describe(img.format)}, not {_describe(expected)}"}
                    )
                size = imaging.oriented_size(img)
                img.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ValidationError(
            {
                "file": f"{name}: too many pixels to be a safe picture (limit {Image.MAX_IMAGE_PIXELS:,} "
                f"pixels, a possible decompression bomb): {exc}"
            }
        ) from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise ValidationError(
            {"file": f"{name}: the picture is corrupt or truncated and cannot be read ({exc})"}
        ) from exc
    return size


def _mb(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB"


def size_warnings(checked_or_asset: Checked | Asset) -> list[str]:
    """Channels whose minimum for main pictures this image is below: a warning at upload, the feed
    blocks it."""
    width, height = checked_or_asset.width, checked_or_asset.height
    if width is None or height is None:
        return []
    name = getattr(checked_or_asset, "name", None) or str(checked_or_asset)
    return [
        f"{name}: {width}×{height} px is below the minimum of {spec.channel.code} for main pictures "
        f"({spec.min_source_width}×{spec.min_source_height} px)"
        for spec in RenditionSpec.objects.filter(channel__isnull=False).select_related("channel")
        if width < spec.min_source_width or height < spec.min_source_height
    ]


@dataclass
class Uploaded:
    """What became of one uploaded file."""

    name: str
    asset: Asset
    created: bool
    link: ProductAsset | None = None
    warnings: list[str] = field(default_factory=list)


@contextmanager
def _removed_on_failure() -> Iterator[list[str]]:
    """Storage is not transactional: files stored by a write that then fails are deleted again."""
    stored: list[str] = []
    try:
        yield stored
    except BaseException:
        for name in stored:
            default_storage.delete(name)
        raise


def _save_file(field_file, name: str, data: bytes, stored: list[str]) -> None:
    """Content-addressed names: when the same bytes are already there (say a file left by an aborted
    write), reuse them instead of storing a second copy."""
    target = field_file.field.generate_filename(field_file.instance, name)
    if default_storage.exists(target):
        field_file.name = target
        return
    field_file.save(name, ContentFile(data), save=False)
    stored.append(field_file.name)


def _store(
    checked: Checked, actor: User | None, attrs: dict[str, Any], stored: list[str]
) -> tuple[Asset, bool]:
    """The asset with these bytes: the existing one (never stored twice), or a new one stored now."""
    existing = Asset.objects.filter(sha256=checked.sha256).first()
    if existing is not None:
        return existing, False
    asset = Asset(
        original_name=checked.name[:255],
        kind=checked.kind,
        mime_type=checked.mime_type,
        size=len(checked.data),
        sha256=checked.sha256,
        width=checked.width,
        height=checked.height,
        created_by=actor if actor is not None and actor.pk else None,
        **attrs,
    )
    _save_file(asset.file, checked.name, checked.data, stored)
    try:
        with transaction.atomic():
            asset.save()
    except IntegrityError:  # the same bytes uploaded at the same moment by someone else
        return Asset.objects.get(sha256=checked.sha256), False
    audit_record(
        actor=actor,
        action="asset.upload",
        object_type="asset",
        object_code=str(asset.pk),
        diff={"name": asset.original_name, "sha256": asset.sha256, "kind": asset.kind, "size": asset.size},
    )
    return asset, True


def _announce(action: str, asset_ids: Iterable[int], skus: Iterable[str] = ()) -> None:
    events.publish(
        AssetsChanged(asset_ids=tuple(sorted(set(asset_ids))), skus=tuple(sorted(set(skus))), action=action)
    )


def on_pictures_changed(event: AssetsChanged | AssetsExpired) -> None:
    """Pictures fill media requirements: the completeness of the products (and their variants) that gained
    or lost one follows."""
    skus = set(event.skus) | set(
        ProductAsset.objects.filter(asset_id__in=event.asset_ids).values_list("product__sku", flat=True)
    )
    if not skus:
        return
    owners = Q(sku__in=skus) | Q(parent__sku__in=skus) | Q(parent__parent__sku__in=skus)
    with transaction.atomic():
        product_services.completeness_compute(list(Product.objects.filter(owners)))


def _queue_renditions(asset_ids: Sequence[int]) -> None:
    """Renditions are made by a worker once the asset (or its link) is committed."""
    from apps.assets.tasks import renditions_generate as task

    ids = sorted(set(asset_ids))
    if ids:
        transaction.on_commit(lambda: task.delay(ids))


@transaction.atomic
def asset_upload(
    *,
    actor: User | None,
    name: str,
    data: bytes,
    product: Product | None = None,
    role: str = Role.GALLERY,
    position: int | None = None,
    channel: Channel | None = None,
    tags: Sequence[str] = (),
) -> Uploaded:
    """Check and store one file, or return the asset that already holds these bytes; link it to the
    product when one is given. Warnings (below a channel's minimum for main pictures) do not refuse."""
    checked = asset_check(name, data)
    with _removed_on_failure() as stored:
        asset, created = _store(checked, actor, {"tags": sorted(set(tags))}, stored)
        link = (
            product_asset_link(
                actor=actor, product=product, asset=asset, role=role, position=position, channel=channel
            )
            if product is not None
            else None
        )
    if created:
        _announce("upload", [asset.pk])
        _queue_renditions([asset.pk])
    return Uploaded(name, asset, created, link, size_warnings(checked))


_GALLERY_NAME = re.compile(r"^(?P<sku>.+)_(?P<n>\d{1,4})$")
_ROLE_NAME = re.compile(r"^(?P<sku>.+)-(?P<role>" + "|".join(Role.values) + r")$", re.IGNORECASE)


def naming_convention(names: Iterable[str]) -> dict[str, tuple[Product, str, int | None]]:
    """File name → (product, role, position) for names following `<SKU>_<n>.<ext>` (gallery position n,
    1 is the main picture) or `<SKU>-<role>.<ext>`; SKUs compared without case, in one query."""
    parsed: dict[str, tuple[str, str, int | None]] = {}
    for name in names:
        stem = PurePosixPath(name).name.rsplit(".", 1)[0]
        if match := _GALLERY_NAME.match(stem):
            n = int(match["n"])
            parsed[name] = (match["sku"].lower(), Role.MAIN if n == 1 else Role.GALLERY, n)
        elif match := _ROLE_NAME.match(stem):
            parsed[name] = (match["sku"].lower(), match["role"].lower(), None)
    wanted = {sku for sku, _role, _n in parsed.values()}
    products = {
        p.sku.lower(): p for p in Product.objects.annotate(lower=Lower("sku")).filter(lower__in=wanted)
    }
    return {name: (products[sku], role, n) for name, (sku, role, n) in parsed.items() if sku in products}


@dataclass
class UploadReport:
    """A batch upload: what was linked automatically, what is left to link by hand, and warnings."""

    uploaded: list[Uploaded]

    @property
    def linked(self) -> list[Uploaded]:
        return [u for u in self.uploaded if u.link is not None]

    @property
    def unmatched(self) -> list[Uploaded]:
        return [u for u in self.uploaded if u.link is None]

    @property
    def warnings(self) -> list[str]:
        return [w for u in self.uploaded for w in u.warnings]


@transaction.atomic
def assets_upload_many(
    *, actor: User | None, files: Sequence[tuple[str, bytes]], tags: Sequence[str] = ()
) -> UploadReport:
    """Several files at once, all or none: every file is checked before any is stored; files named by
    convention are linked to their products."""
    problems = []
    checked = []
    for index, (name, data) in enumerate(files, start=1):
        try:
            checked.append(asset_check(name, data))
        except ValidationError as exc:
            problems.append(LineError(index, name, "file", " ".join(exc.messages)))
    if problems:
        raise BatchRejected(problems)
    links = naming_convention(c.name for c in checked)
    refused = policies.products_refused(actor, {p.pk: p for p, _r, _n in links.values()}.values())
    problems = [
        LineError(index, item.name, "file", f"{item.name}: {refused[links[item.name][0].pk]}")
        for index, item in enumerate(checked, start=1)
        if item.name in links and links[item.name][0].pk in refused
    ]
    if problems:
        raise BatchRejected(problems)
    uploaded, created_ids = [], []
    with _removed_on_failure() as stored:
        for item in checked:
            asset, created = _store(item, actor, {"tags": sorted(set(tags))}, stored)
            link = None
            if item.name in links and item.kind == Asset.Kind.IMAGE:  # other files are linked by no name
                product, role, position = links[item.name]
                link = product_asset_link(
                    actor=actor, product=product, asset=asset, role=role, position=position, team_checked=True
                )
            if created:
                created_ids.append(asset.pk)
            uploaded.append(Uploaded(item.name, asset, created, link, size_warnings(item)))
    if created_ids:
        _announce("upload", created_ids)
        _queue_renditions(created_ids)
    return UploadReport(uploaded)


def zip_entries(name: str, data: bytes) -> list[tuple[str, bytes]]:
    """The files of a ZIP, refusing it whole if one path leaves the folder (zip-slip) or one entry is
    over the size limit (checked on the declared size, then on what is actually read)."""
    try:
        uploads.archive_check(name, io.BytesIO(data), len(data))  # entries, inflated size, ratio
    except ValidationError as exc:
        raise ValidationError({"file": " ".join(exc.messages)}) from exc
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise ValidationError({"file": f"{name}: not a readable ZIP file ({exc})"}) from exc
    entries = []
    with archive:
        for info in archive.infolist():
            path = info.filename.replace("\\", "/")
            parts = PurePosixPath(path).parts
            if path.startswith("/") or ".." in parts or re.match(r"^[A-Za-z]:", path):
                raise ValidationError(
                    {
                        "file": f"{name}: the entry {info.filename!r} points outside the folder; "
                        "nothing was stored"
                    }
                )
            if info.is_dir() or parts[0] == "__MACOSX" or parts[-1].startswith("."):
                continue
            if info.file_size > max_bytes():
                raise ValidationError(
                    {
                        "file": f"{name}: {info.filename}: {_mb(info.file_size)} is over the size limit of "
                        f"{_mb(max_bytes())}; nothing was stored"
                    }
                )
            with archive.open(info) as entry:
                content = entry.read(max_bytes() + 1)
            entries.append((parts[-1], content))
    return entries


@transaction.atomic
def assets_upload_zip(
    *, actor: User | None, name: str, data: bytes, tags: Sequence[str] = ()
) -> UploadReport:
    """A ZIP of files, checked entirely before anything is stored, then as `assets_upload_many`."""
    if len(data) > max_bytes():
        raise ValidationError(
            {"file": f"{name}: {_mb(len(data))} is over the size limit of {_mb(max_bytes())}"}
        )
    return assets_upload_many(actor=actor, files=zip_entries(name, data), tags=tags)


# links ----------------------------------------------------------------------------------------------


def _link_code(link: ProductAsset) -> str:
    where = f"@{link.channel.code}" if link.channel_id else ""
    return f"{link.product.sku}:{link.role}{where}"


@transaction.atomic
def product_asset_link(
    *,
    actor: User | None,
    product: Product,
    asset: Asset,
    role: str = Role.GALLERY,
    position: int | None = None,
    channel: Channel | None = None,
    team_checked: bool = False,
) -> ProductAsset:
    """Link an asset to a product in a role (at the end of that role unless a position is given). A new
    main picture moves the previous one (same channel scope) to the end of the gallery.

    `team_checked`: the caller asked the assets policy about the product already (an upload, at once)."""
    if not team_checked:
        _check_team(actor, product)
    if role not in Role.values:
        raise ValidationError({"role": f"{role!r} is not one of {', '.join(Role.values)}"})
    if asset.status == Asset.Status.ARCHIVED:
        raise ValidationError({"asset": f"{asset} is archived and cannot be linked"})
    if asset.kind != Asset.Kind.IMAGE:  # every role is a picture of the product
        raise ValidationError(
            {
                "asset": _("%(asset)s is not a picture (%(kind)s): only images can be a product's %(role)s")
                % {"asset": asset.original_name, "kind": asset.get_kind_display(), "role": Role(role).label}
            }
        )
    Product.objects.select_for_update().filter(pk=product.pk).first()  # one linker per product at a time
    scope = ProductAsset.objects.filter(product=product, channel=channel)
    link = scope.filter(asset=asset, role=role).first()
    if link is not None and (position is None or position == link.position):
        return link
    if role == Role.MAIN:
        for previous in scope.filter(role=Role.MAIN).exclude(asset=asset):
            previous.role, previous.position = Role.GALLERY, _next_position(scope, Role.GALLERY)
            previous.save(update_fields=["role", "position"])
    if position is None:
        position = _next_position(scope, role)
    link = link or ProductAsset(product=product, asset=asset, role=role, channel=channel)
    link.position = position
    link.save()
    audit_record(
        actor=actor,
        action="asset.link",
        object_type="product_asset",
        object_code=_link_code(link),
        diff={"asset": asset.pk, "position": position},
    )
    _announce("link", [asset.pk], [product.sku])
    _queue_renditions([asset.pk])
    return link


@dataclass
class Fetched:
    """What a fetch of pictures by address did: assets stored or found again, links made, addresses that
    failed (with the reason)."""

    assets: int = 0
    links: int = 0
    failed: dict[str, str] = field(default_factory=dict)


def media_fetch(*, actor: User | None, links: Sequence[tuple[str, str, bool]]) -> Fetched:
    """Fetch the pictures an import named by address into the DAM and link them, (SKU, address, main):
    main picture or gallery. An address fetched before is not fetched again; one that cannot be fetched
    or is not a picture is audited with its reason and skipped, and its product keeps the address as its
    value (the next import tries again)."""
    done = Fetched()
    by_url: dict[str, list[tuple[str, bool]]] = {}
    for sku, url, main in links:
        by_url.setdefault(url, []).append((sku, main))
    products = {p.sku: p for p in Product.objects.filter(sku__in={sku for sku, _url, _main in links})}
    for url, targets in by_url.items():
        try:
            with transaction.atomic():
                asset = Asset.objects.filter(source_url=url).first()
                if asset is None:
                    asset = asset_upload(actor=actor, name=_url_name(url), data=_download(url)).asset
                    if not asset.source_url:
                        asset.source_url = url
                        asset.save(update_fields=["source_url"])
                done.assets += 1
                for sku, main in targets:
                    if sku in products:
                        role = Role.MAIN if main else Role.GALLERY
                        product_asset_link(actor=actor, product=products[sku], asset=asset, role=role)
                        done.links += 1
        except (OSError, ValueError, ValidationError) as exc:
            reason = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
            done.failed[url] = reason
            audit_record(
                actor=actor,
                action="asset.fetch_failed",
                object_type="asset",
                object_code=url[:255],
                diff={"url": url, "reason": reason, "skus": sorted({sku for sku, _main in targets})},
            )
    _flag_missing(actor, by_url, done.failed, products)
    return done


def _flag_missing(
    actor: User | None,
    by_url: dict[str, list[tuple[str, bool]]],
    failed: dict[str, str],
    products: dict[str, Product],
) -> None:
    """A main picture that could not be fetched leaves its product without one: flagged as a picture the
    import named and did not bring, like one missing from an Akeneo archive (a gallery picture that failed
    leaves the product its main one)."""
    pictures = [
        (sku, "", _url_name(url)) for url in failed for sku, main in by_url[url] if main and sku in products
    ]
    if pictures and missing_pictures:
        missing_pictures[0](actor=actor, pictures=pictures)


def _download(url: str) -> bytes:
    """The file at a public http(s) address (apps.core.outbound: no private or loopback address, each
    redirect checked), refused past NOEL_ASSET_MAX_BYTES or NOEL_MEDIA_FETCH_TIMEOUT, or on any answer
    but 200."""
    return fetch_public(url, max_bytes=max_bytes(), timeout=settings.NOEL_MEDIA_FETCH_TIMEOUT)


def _url_name(url: str) -> str:
    return PurePosixPath(unquote(urlsplit(url).path)).name or "picture"


def _check_team(actor: User | None, product: Product) -> None:
    if refusal := policies.link_refusal(actor, product):
        raise ValidationError({"sku": refusal})


def _next_position(scope, role: str) -> int:
    return (scope.filter(role=role).aggregate(m=Max("position"))["m"] or 0) + 1


@transaction.atomic
def product_asset_unlink(*, actor: User | None, link: ProductAsset) -> None:
    _check_team(actor, link.product)
    code, asset_id, sku = _link_code(link), link.asset_id, link.product.sku
    link.delete()
    audit_record(
        actor=actor,
        action="asset.unlink",
        object_type="product_asset",
        object_code=code,
        diff={"asset": asset_id},
    )
    _announce("unlink", [asset_id], [sku])


@transaction.atomic
def product_asset_reorder(
    *, actor: User | None, product: Product, link_ids: Sequence[int]
) -> list[ProductAsset]:
    """The pictures in the order given: among main and gallery links of one channel scope, the first
    becomes the main picture and the rest the gallery, in order; other roles keep theirs, renumbered."""
    _check_team(actor, product)
    links = {link.pk: link for link in ProductAsset.objects.select_for_update().filter(product=product)}
    unknown = [pk for pk in link_ids if pk not in links]
    if unknown:
        raise ValidationError({"links": f"{product.sku} has no picture link {unknown[0]}"})
    ordered = [links[pk] for pk in dict.fromkeys(link_ids)]
    ordered += sorted(
        (lk for lk in links.values() if lk.pk not in set(link_ids)),
        key=lambda lk: (lk.role != Role.MAIN, lk.position),
    )
    counters: dict[tuple[int | None, str], int] = {}
    before = {lk.pk: (lk.role, lk.position) for lk in ordered}
    for link in ordered:
        if link.role in (Role.MAIN, Role.GALLERY):
            first = (link.channel_id, Role.MAIN) not in counters
            link.role = Role.MAIN if first else Role.GALLERY
        key = (link.channel_id, link.role)
        counters[key] = counters.get(key, 0) + 1
        link.position = counters[key]
    changed = [lk for lk in ordered if before[lk.pk] != (lk.role, lk.position)]
    if changed:
        for link in changed:
            link.save(update_fields=["role", "position"])
        audit_record(
            actor=actor,
            action="asset.reorder",
            object_type="product",
            object_code=product.sku,
            diff={"order": [f"{lk.asset_id}:{lk.role}:{lk.position}" for lk in ordered]},
        )
        _announce("reorder", [lk.asset_id for lk in changed], [product.sku])
    return ordered


# life cycle -----------------------------------------------------------------------------------------

_EDITABLE = ("alt_text", "caption", "tags", "rights_owner", "licence", "valid_until", "focal_x", "focal_y")


@transaction.atomic
def asset_update(*, actor: User | None, asset: Asset, changes: dict[str, Any]) -> Asset:
    """Describe an asset (texts per locale, tags, rights, focal point). Rights extended into the future
    make an expired asset active again; a moved focal point makes its cropped renditions again."""
    unknown = set(changes) - set(_EDITABLE)
    if unknown:
        raise ValidationError({sorted(unknown)[0]: "cannot be changed here"})
    asset = Asset.objects.select_for_update().get(pk=asset.pk)
    diff = {k: [_plain(getattr(asset, k)), _plain(v)] for k, v in changes.items() if getattr(asset, k) != v}
    if not diff:
        return asset
    for key, value in changes.items():
        setattr(asset, key, value)
    if asset.status == Asset.Status.EXPIRED and (
        asset.valid_until is None or asset.valid_until > timezone.now()
    ):
        asset.status = Asset.Status.ACTIVE
        diff["status"] = [Asset.Status.EXPIRED, Asset.Status.ACTIVE]
    asset.full_clean(exclude=["file", "sha256"])
    asset.save()
    audit_record(
        actor=actor, action="asset.update", object_type="asset", object_code=str(asset.pk), diff=diff
    )
    if "focal_x" in diff or "focal_y" in diff:
        _renditions_discard(Rendition.objects.filter(asset=asset, spec__fit=RenditionSpec.Fit.COVER))
        _queue_renditions([asset.pk])
    _announce("update", [asset.pk], selectors.asset_skus([asset.pk]))
    return asset


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


@transaction.atomic
def asset_replace(*, actor: User | None, asset: Asset, name: str, data: bytes) -> Asset:
    """A new version of the same picture (retouched, recropped): links stay, the renditions made from
    the old source are dropped and made again from the new one."""
    checked = asset_check(name, data)
    asset = Asset.objects.select_for_update().get(pk=asset.pk)
    if checked.sha256 == asset.sha256:
        return asset
    if (other := Asset.objects.filter(sha256=checked.sha256).first()) is not None:
        raise ValidationError(
            {"file": f"{name}: these bytes are already asset {other.pk} ({other}); link that one instead"}
        )
    if checked.kind != asset.kind:
        raise ValidationError({"file": f"{name}: {asset} is a {asset.kind}, the new file a {checked.kind}"})
    old_name, old_sha = asset.file.name, asset.sha256
    with _removed_on_failure() as stored:
        asset.sha256 = checked.sha256
        _save_file(asset.file, checked.name, checked.data, stored)
        asset.original_name, asset.mime_type, asset.size = (
            checked.name[:255],
            checked.mime_type,
            len(checked.data),
        )
        asset.width, asset.height = checked.width, checked.height
        asset.save()
    _renditions_discard(Rendition.objects.filter(asset=asset))
    transaction.on_commit(lambda: default_storage.delete(old_name))
    audit_record(
        actor=actor,
        action="asset.replace",
        object_type="asset",
        object_code=str(asset.pk),
        diff={"sha256": [old_sha, asset.sha256], "name": asset.original_name},
    )
    _announce("replace", [asset.pk], selectors.asset_skus([asset.pk]))
    _queue_renditions([asset.pk])
    return asset


@transaction.atomic
def asset_archive(*, actor: User | None, asset: Asset, replaced_by: Asset | None = None) -> Asset:
    """Withdraw an asset from every feed; with a successor, its product links move to it."""
    asset = Asset.objects.select_for_update().get(pk=asset.pk)
    if replaced_by is not None and replaced_by.pk == asset.pk:
        raise ValidationError({"replaced_by": "an asset cannot replace itself"})
    skus = selectors.asset_skus([asset.pk])
    moved = 0
    if replaced_by is not None:
        for link in ProductAsset.objects.filter(asset=asset).select_related("product", "channel"):
            product_asset_link(
                actor=actor, product=link.product, asset=replaced_by, role=link.role,
                position=link.position, channel=link.channel,
            )  # fmt: skip
            link.delete()
            moved += 1
    old = asset.status
    asset.status, asset.replaced_by = Asset.Status.ARCHIVED, replaced_by
    asset.save(update_fields=["status", "replaced_by", "updated_at"])
    audit_record(
        actor=actor,
        action="asset.archive",
        object_type="asset",
        object_code=str(asset.pk),
        diff={
            "status": [old, asset.status],
            "replaced_by": replaced_by.pk if replaced_by else None,
            "links_moved": moved,
        },
    )
    _announce("archive", [asset.pk], skus)
    return asset


@transaction.atomic
def asset_delete(*, actor: User | None, asset: Asset) -> None:
    """Delete an unused asset with its renditions and files; a used one is refused with where it is used."""
    usages = selectors.asset_usage(asset)
    if usages:
        listed = "; ".join(str(u) for u in usages[:20])
        more = f" and {len(usages) - 20} more" if len(usages) > 20 else ""
        error = ValidationError(f"{asset} is used and cannot be deleted: {listed}{more}", code="asset_in_use")
        error.usages = usages
        raise error
    names = [asset.file.name, *Rendition.objects.filter(asset=asset).values_list("file", flat=True)]
    pk, sha = asset.pk, asset.sha256
    asset.delete()
    audit_record(
        actor=actor, action="asset.delete", object_type="asset", object_code=str(pk), diff={"sha256": sha}
    )
    transaction.on_commit(lambda: [default_storage.delete(n) for n in names])
    _announce("delete", [pk])


@dataclass(frozen=True)
class ExpiredReport:
    asset: Asset
    usages: list


@transaction.atomic
def assets_flag_expired(*, at: datetime | None = None) -> list[ExpiredReport]:
    """Mark the active assets whose rights ended and list where they were used (the beat runs this; the
    feeds already stop using them at the instant itself, whatever the status)."""
    at = at or timezone.now()
    expired = list(
        Asset.objects.select_for_update(skip_locked=True).filter(
            status=Asset.Status.ACTIVE, valid_until__lte=at
        )
    )
    if not expired:
        return []
    Asset.objects.filter(pk__in=[a.pk for a in expired]).update(status=Asset.Status.EXPIRED, updated_at=at)
    reports = []
    for asset in expired:
        usages = selectors.asset_usage(asset)
        audit_record(
            actor=None,
            action="asset.expire",
            object_type="asset",
            object_code=str(asset.pk),
            diff={"valid_until": asset.valid_until.isoformat(), "used_by": [str(u) for u in usages]},
        )
        asset.status = Asset.Status.EXPIRED
        reports.append(ExpiredReport(asset, usages))
    links = ProductAsset.objects.filter(asset__in=expired).select_related("product", "channel")
    channels = {lk.channel.code for lk in links if lk.channel_id}
    if any(lk.channel_id is None for lk in links):
        channels |= set(Channel.objects.filter(is_active=True).values_list("code", flat=True))
    events.publish(
        AssetsExpired(
            asset_ids=tuple(a.pk for a in expired),
            skus=tuple(sorted({lk.product.sku for lk in links})),
            channel_codes=tuple(sorted(channels)),
        )
    )
    return reports


# renditions ------------------------------------------------------------------------------------------


def _renditions_discard(queryset) -> None:
    names = list(queryset.values_list("file", flat=True))
    queryset.delete()
    transaction.on_commit(lambda: [default_storage.delete(n) for n in names])


def rendition_box(spec: RenditionSpec) -> imaging.Box:
    return imaging.Box(spec.width, spec.height, spec.format, spec.fit, spec.background, spec.quality)


@transaction.atomic
def rendition_generate(*, asset: Asset, spec: RenditionSpec) -> Rendition:
    """The rendition of the asset's current source for this spec: the cached one, or made now. The
    renditions of older sources are dropped with their files."""
    current = Rendition.objects.filter(asset=asset, spec=spec, source_sha256=asset.sha256).first()
    if current is not None:
        return current
    with asset.file.open("rb") as source:
        focal = (
            (asset.focal_x, asset.focal_y)
            if asset.focal_x is not None and asset.focal_y is not None
            else None
        )
        data, width, height = imaging.render(source, rendition_box(spec), focal)
    rendition = Rendition(asset=asset, spec=spec, source_sha256=asset.sha256, width=width, height=height)
    with _removed_on_failure() as stored:
        _save_file(rendition.file, f"r.{spec.extension}", data, stored)
        try:
            with transaction.atomic():
                rendition.save()
        except IntegrityError:  # another worker made it meanwhile
            return Rendition.objects.get(asset=asset, spec=spec, source_sha256=asset.sha256)
    _renditions_discard(Rendition.objects.filter(asset=asset, spec=spec).exclude(source_sha256=asset.sha256))
    audit_record(
        actor=None,
        action="rendition.generate",
        object_type="rendition",
        object_code=f"{asset.pk}:{spec.code}",
        diff={"source_sha256": asset.sha256, "size": [width, height]},
    )
    return rendition


def renditions_generate(
    *, asset_ids: Sequence[int] | None = None, spec_ids: Sequence[int] | None = None
) -> int:
    """Make the missing renditions of these images (all when None) for these specs (all when None),
    one transaction each, so a bad file does not undo the others. Returns how many were made."""
    assets = Asset.objects.filter(kind=Asset.Kind.IMAGE).exclude(status=Asset.Status.ARCHIVED)
    if asset_ids is not None:
        assets = assets.filter(pk__in=asset_ids)
    specs = RenditionSpec.objects.all()
    if spec_ids is not None:
        specs = specs.filter(pk__in=spec_ids)
    specs = list(specs)
    have = set(
        Rendition.objects.filter(asset__in=assets, spec__in=specs).values_list(
            "asset_id", "spec_id", "source_sha256"
        )
    )
    made = 0
    for asset in assets.order_by("pk"):
        for spec in specs:
            if (asset.pk, spec.pk, asset.sha256) not in have:
                rendition_generate(asset=asset, spec=spec)
                made += 1
    return made


@transaction.atomic
def rendition_spec_save(*, actor: User | None, spec: RenditionSpec) -> RenditionSpec:
    """Create or change a spec; a change of its output drops its renditions. Either way they are
    (re)made by a worker."""
    spec.full_clean()
    created = spec.pk is None
    if not created:
        before = RenditionSpec.objects.get(pk=spec.pk)
        output = ("width", "height", "format", "fit", "background", "quality")
        if any(getattr(before, f) != getattr(spec, f) for f in output):
            _renditions_discard(Rendition.objects.filter(spec=spec))
    spec.save()
    audit_record(
        actor=actor,
        action="rendition_spec.create" if created else "rendition_spec.change",
        object_type="rendition_spec",
        object_code=spec.code,
        diff={"size": [spec.width, spec.height], "format": spec.format, "fit": spec.fit,
              "channel": spec.channel.code if spec.channel_id else None},
    )  # fmt: skip
    from apps.assets.tasks import renditions_generate as task

    spec_id = spec.pk
    transaction.on_commit(lambda: task.delay(None, [spec_id]))
    return spec
