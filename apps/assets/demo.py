"""Demo pictures: the feed image specs of Google and Meta, and Pillow-drawn pictures (a tree, a bauble or
a gift on the family's colour, with the SKU) for the first products, so the admin shows thumbnails.
One main picture is deliberately too small for the feeds, one gallery picture's rights have ended."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import TextIO

from django.utils import timezone
from PIL import Image, ImageDraw, ImageFont

from apps.assets import services
from apps.assets.models import Asset, RenditionSpec
from apps.core.models import Channel
from apps.products.models import Product

PICTURES = 24
SPECS = [
    # code, channel, width, height, format, minimum size of a main picture
    ("google_feed", "google", 1200, 1200, "JPEG", 500),
    ("meta_feed", "meta", 1080, 1080, "JPEG", 500),
    ("web_zoom", "web", 1600, 1600, "WEBP", 800),
]
COLOURS = {"toys": "#c0392b", "decorations": "#1e8449", "food": "#b9770e", "apparel": "#2e4053"}


def draw(sku: str, family: str, size: int = 900, variant: int = 0) -> bytes:
    img = Image.new("RGB", (size, size), COLOURS.get(family, "#7d3c98"))
    pen = ImageDraw.Draw(img)
    s = size / 900
    if variant % 3 == 0:  # a fir tree
        pen.polygon([(450 * s, 120 * s), (200 * s, 650 * s), (700 * s, 650 * s)], fill="#0b5345")
        pen.rectangle((410 * s, 650 * s, 490 * s, 760 * s), fill="#6e2c00")
    elif variant % 3 == 1:  # a bauble
        pen.ellipse(
            (220 * s, 220 * s, 680 * s, 680 * s), fill="#f4d03f", outline="#ffffff", width=max(1, int(8 * s))
        )
    else:  # a gift
        pen.rectangle((230 * s, 300 * s, 670 * s, 700 * s), fill="#ffffff")
        pen.rectangle((425 * s, 300 * s, 475 * s, 700 * s), fill="#c0392b")
    pen.text(
        (450 * s, 820 * s), sku, fill="#ffffff", anchor="mm", font=ImageFont.load_default(size=int(48 * s))
    )
    out = io.BytesIO()
    img.save(out, "JPEG", quality=85)
    return out.getvalue()


def seed(*, products: int, out: TextIO) -> None:
    for code, channel_code, width, height, fmt, minimum in SPECS:
        channel = Channel.objects.filter(code=channel_code).first()
        if channel and not RenditionSpec.objects.filter(code=code).exists():
            services.rendition_spec_save(
                actor=None,
                spec=RenditionSpec(code=code, channel=channel, width=width, height=height, format=fmt,
                                   min_source_width=minimum, min_source_height=minimum),
            )  # fmt: skip
    if Asset.objects.exists() or products <= 0:
        out.write(f"Assets: {Asset.objects.count()} (left as they are)\n")
        return
    chosen = list(
        Product.objects.filter(parent__isnull=True).select_related("family").order_by("sku")[:PICTURES]
    )
    for n, product in enumerate(chosen):
        size = 300 if n == 5 else 900  # too small for the feeds: warned here, held back by them
        services.asset_upload(
            actor=None,
            name=f"{product.sku}_1.jpg",
            data=draw(product.sku, product.family.code, size, n),
            product=product,
            role="main",
            tags=["demo", product.family.code],
        )
        if n < 6:
            picture = draw(product.sku, product.family.code, 900, n + 1)
            gallery = services.asset_upload(
                actor=None, name=f"{product.sku}_2.jpg", data=picture, product=product, tags=["demo"]
            ).asset
            if n == 0:
                services.asset_update(
                    actor=None, asset=gallery, changes={"valid_until": timezone.now() - timedelta(days=1)}
                )
    services.assets_flag_expired()
    out.write(f"Assets: {Asset.objects.count()} demo pictures on {len(chosen)} products\n")
