"""Pillow work of the renditions, apart from storage and the database so the benchmark can run it bare.

Order matters: EXIF orientation first (so the box and focal point are the ones people see), then the
colour profile to sRGB (channels assume sRGB and strip profiles), then crop/resize, then transparency
flattened on the spec's background when the output format has none.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass

from PIL import Image, ImageCms, ImageOps

_SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))
_ROTATED = {5, 6, 7, 8}  # EXIF orientations that swap width and height


@dataclass(frozen=True)
class Box:
    width: int
    height: int
    fmt: str  # JPEG, WEBP, PNG
    fit: str  # contain, cover
    background: str = "#ffffff"
    quality: int = 85


def oriented_size(img: Image.Image) -> tuple[int, int]:
    """The size people see, once the EXIF orientation is applied."""
    orientation = img.getexif().get(0x0112)
    return (img.height, img.width) if orientation in _ROTATED else (img.width, img.height)


def _scale(src: tuple[int, int], box: Box) -> float:
    ratios = (box.width / src[0], box.height / src[1])
    return min(1.0, min(ratios) if box.fit == "contain" else max(ratios))


def _to_srgb(img: Image.Image) -> Image.Image:
    if img.mode in ("P", "LA", "PA", "I;16") or (img.mode == "L" and "transparency" in img.info):
        img = img.convert("RGBA")
    icc = img.info.get("icc_profile")
    if icc and img.mode in ("RGB", "RGBA", "CMYK", "L"):
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            out_mode = "RGBA" if img.mode == "RGBA" else "RGB"
            img = ImageCms.profileToProfile(img, source, _SRGB, outputMode=out_mode)
        except (ImageCms.PyCMSError, OSError):
            pass  # a broken embedded profile: keep the pixels as they are rather than refuse the picture
    if img.mode not in ("RGB", "RGBA"):
        img = img.convert("RGB")
    return img


def _cover_crop(img: Image.Image, box: Box, focal: tuple[float, float] | None) -> Image.Image:
    """The largest region of the box's proportions, centred on the focal point as far as the edges allow."""
    target = box.width / box.height
    w, h = img.size
    if w / h > target:
        cw, ch = round(h * target), h
    else:
        cw, ch = w, round(w / target)
    fx, fy = focal or (0.5, 0.5)
    left = min(max(round(fx * w - cw / 2), 0), w - cw)
    top = min(max(round(fy * h - ch / 2), 0), h - ch)
    return img.crop((left, top, left + cw, top + ch))


def render(source: io.BufferedIOBase | bytes, box: Box, focal: tuple[float, float] | None = None):
    """Encoded bytes, width and height of `source` fitted to `box`. Never upscales: a small source stays
    small, so the feeds' minimum-size rules see the real resolution."""
    stream = io.BytesIO(source) if isinstance(source, bytes) else source
    with Image.open(stream) as original:
        size = oriented_size(original)
        scale = _scale(size, box)
        wanted = (math.ceil(size[0] * scale), math.ceil(size[1] * scale))
        if size != (original.width, original.height):
            wanted = (wanted[1], wanted[0])
        # JPEG decoders can scale by 1/2, 1/4, 1/8 while decoding: much less work for large sources.
        original.draft(original.mode if original.mode in ("RGB", "L", "CMYK") else None, wanted)
        img = ImageOps.exif_transpose(original)
        img = _to_srgb(img)
    if box.fit == "cover":
        img = _cover_crop(img, box, focal)
        scale = min(1.0, box.width / img.width)
        target = (
            min(box.width, max(1, round(img.width * scale))),
            min(box.height, max(1, round(img.height * scale))),
        )
    else:
        scale = _scale(img.size, box)
        target = (max(1, round(img.width * scale)), max(1, round(img.height * scale)))
    if target != img.size:
        img = img.resize(target, Image.Resampling.LANCZOS, reducing_gap=3.0)
    if img.mode == "RGBA" and box.fmt == "JPEG":
        flat = Image.new("RGB", img.size, box.background)
        flat.paste(img, mask=img.getchannel("A"))
        img = flat
    out = io.BytesIO()
    options = {"quality": box.quality} if box.fmt in ("JPEG", "WEBP") else {}
    img.save(out, format=box.fmt, **options)
    return out.getvalue(), img.width, img.height
