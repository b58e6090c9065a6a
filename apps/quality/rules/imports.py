"""What an import brought in that a channel cannot use as it is: a picture the file named and did not ship,
a barcode that is no valid GTIN. The product is imported all the same; the finding says what to fix."""

from __future__ import annotations

from collections.abc import Iterator

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_noop
from stdnum import ean

from apps.assets.models import Asset, ProductAsset
from apps.core.stored_text import remembered, said
from apps.products.services import gtin_check
from apps.products.values import value_of
from apps.quality.models import Finding, Severity
from apps.quality.registry import Batch, Hit, Rule, register


@register
class ImportPictureMissing(Rule):
    """Opened by the import itself (`import_pictures_missing_record`: which file was missing is known only
    then); every check keeps it open until the product has a picture, then lets it resolve. Once resolved
    it stays so: only another import that misses a file opens it again."""

    code = "import_picture_missing"
    severity = Severity.WARNING
    category = "images"
    description = (
        "A picture the import named was not in the file or archive; the product has none in its place."
    )

    def run(self, batch: Batch) -> Iterator[Hit]:
        flagged = list(
            Finding.objects.filter(
                rule=self.code, product_id__any=batch.ids, resolved_at__isnull=True
            ).values_list("product_id", "message", "details", "message_parts")
        )
        if not flagged:
            return
        owners = {f[0] for f in flagged} | {a for f in flagged for a in batch.lineage(f[0])}
        linked = set(
            ProductAsset.objects.filter(
                product_id__any=owners, role=ProductAsset.Role.MAIN, asset__kind=Asset.Kind.IMAGE
            ).values_list("product_id", flat=True)
        )
        for pid, message, details, parts in flagged:
            if pid not in batch.products or linked & {pid, *batch.lineage(pid)}:
                continue
            values = batch.merged_values(pid)
            if any(_a_picture(value_of(values, code)) for code in details.get("attributes", [])):
                continue
            yield Hit(pid, remembered(message, parts), details)


def _a_picture(value: object) -> bool:
    """A stored file, not an address still to fetch."""
    return isinstance(value, str) and bool(value.strip()) and not value.startswith(("http://", "https://"))


@register
class BarcodeNotGtin(Rule):
    code = "barcode_not_gtin"
    severity = Severity.WARNING
    category = "feeds"
    description = (
        "A barcode attribute (NOEL_GTIN_ATTRIBUTES: Akeneo's ean, Shopify's barcode…) holds no valid GTIN: "
        "channels get no GTIN for the product."
    )

    def run(self, batch: Batch) -> Iterator[Hit]:
        codes = list(settings.NOEL_GTIN_ATTRIBUTES)
        for pid in batch.sellable:
            values = batch.merged_values(pid)
            for code in codes:
                barcode = value_of(values, code)
                if not isinstance(barcode, str) or not barcode.strip():
                    continue
                if reason := _not_a_gtin(barcode.strip()):
                    shown = barcode.strip()[:40] + ("…" if len(barcode.strip()) > 40 else "")
                    yield Hit(
                        pid,
                        said(
                            gettext_noop("barcode %(barcode)s (%(attribute)s) %(reason)s: no GTIN is sent"),
                            barcode=shown,
                            attribute=code,
                            reason=reason,
                        ),
                        {"attribute": code, "barcode": barcode.strip()[:200]},
                    )
                    break


def _not_a_gtin(barcode: str) -> str | None:
    try:
        gtin_check(barcode)
    except ValidationError:
        if not barcode.isdigit() or len(barcode) not in (8, 12, 13, 14):
            return said(gettext_noop("is not a GTIN (8, 12, 13 or 14 digits)"))
        if not ean.is_valid(barcode):
            return said(gettext_noop("has a wrong check digit"))
        return said(gettext_noop("uses a restricted prefix (in-store or coupon numbers)"))
    return None
