"""Pictures drawn with Pillow, and the DAM's objects built through its services."""

from __future__ import annotations

import io
import struct
import zipfile

import factory
from PIL import Image, ImageCms, ImageDraw

from apps.assets import services
from apps.assets.models import Asset, RenditionSpec

_counter = iter(range(1, 10**9))


def rotated_exif(orientation: int = 6) -> Image.Exif:
    exif = Image.Exif()
    exif[0x0112] = orientation
    return exif


def picture(width: int = 640, height: int = 480, fmt: str = "JPEG", mode: str = "RGB", **save) -> bytes:
    """A small drawing, different at every call (so each has its own SHA-256)."""
    n = next(_counter)
    img = Image.new(
        mode, (width, height), (200, (n * 37) % 256, 40, 255)[: len(mode)] if mode != "L" else 128
    )
    ImageDraw.Draw(img).rectangle(
        (width // 4, height // 4, width // 2, height // 2), fill=(n % 256,) * len(mode)
    )
    out = io.BytesIO()
    img.save(out, format=fmt, **save)
    return out.getvalue()


def zip_of(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return out.getvalue()


def upload(name: str = "photo.jpg", data: bytes | None = None, **kwargs) -> Asset:
    return services.asset_upload(actor=None, name=name, data=data or picture(), **kwargs).asset


class RenditionSpecFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RenditionSpec
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"spec_{n}")
    width = 300
    height = 300
    format = RenditionSpec.Format.JPEG
    fit = RenditionSpec.Fit.CONTAIN


def swapped_primaries_profile() -> bytes:
    """An ICC profile like sRGB but with red and blue primaries swapped: pure red in it is sRGB blue,
    so a picture tagged with it shows whether the profile was applied."""
    raw = bytearray(ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes())
    count = struct.unpack(">I", raw[128:132])[0]
    at = {bytes(raw[132 + 12 * i : 136 + 12 * i]): 132 + 12 * i for i in range(count)}
    red, blue = at[b"rXYZ"], at[b"bXYZ"]
    raw[red + 4 : red + 12], raw[blue + 4 : blue + 12] = raw[blue + 4 : blue + 12], raw[red + 4 : red + 12]
    return bytes(raw)
