"""Assets: pictures whose rights ended, pictures replaced after the product was approved, and one
picture shown by unrelated products."""

from __future__ import annotations

from collections.abc import Iterator

from django.db import connection
from django.db.models import Q
from django.utils.translation import gettext_noop

from apps.assets.models import Asset, ProductAsset
from apps.core.stored_text import said
from apps.quality.models import Severity
from apps.quality.registry import Batch, Hit, Rule, register


@register
class AssetRightsExpired(Rule):
    code = "asset_rights_expired"
    severity = Severity.WARNING
    category = "assets"
    description = "A linked asset's rights have ended (feeds already leave it out): replace or unlink it."

    def run(self, batch: Batch) -> Iterator[Hit]:
        links = (
            ProductAsset.objects.filter(product_id__any=batch.ids)
            .filter(Q(asset__status=Asset.Status.EXPIRED) | Q(asset__valid_until__lte=batch.ctx.at))
            .values_list("product_id", "asset_id", "asset__original_name", "asset__valid_until", "role")
        )
        for pid, asset, name, until, role in links:
            yield Hit(
                pid,
                said(
                    gettext_noop("%(role)s %(name)s: rights ended %(date)s"),
                    role=_role(role),
                    name=name,
                    date=f"{until:%Y-%m-%d}",
                )
                if until
                else said(gettext_noop("%(role)s %(name)s: rights expired"), role=_role(role), name=name),
                {"valid_until": until, "role": role},
                asset_id=asset,
            )


# When each linked asset's file was last replaced (audit rows "asset.replace"), against the product's last
# approval: a replaced picture reaches the channels without anyone having approved it.
_REPLACED_AFTER_APPROVAL = """
SELECT l.product_id, l.asset_id, a.original_name, r.replaced_at, ap.approved_at
FROM assets_productasset l
JOIN assets_asset a ON a.id = l.asset_id
JOIN LATERAL (
    SELECT max(au.created_at) AS replaced_at FROM core_auditlog au
    WHERE au.object_type = 'asset' AND au.object_code = l.asset_id::text AND au.action = 'asset.replace'
) r ON r.replaced_at IS NOT NULL
JOIN LATERAL (
    SELECT max(pr.created_at) AS approved_at FROM products_productreview pr
    WHERE pr.product_id = l.product_id AND pr.action = 'approve'
) ap ON ap.approved_at IS NOT NULL
JOIN products_product p ON p.id = l.product_id AND p.status = 'approved'
WHERE l.product_id = ANY(%s::bigint[]) AND r.replaced_at > ap.approved_at
"""


@register
class ImageReplacedAfterApproval(Rule):
    code = "image_replaced_after_approval"
    severity = Severity.WARNING
    category = "assets"
    description = "A picture's file was replaced after the product was approved: nobody approved the new one."

    def run(self, batch: Batch) -> Iterator[Hit]:
        with connection.cursor() as cursor:
            cursor.execute(_REPLACED_AFTER_APPROVAL, [batch.ids])
            rows = cursor.fetchall()
        for pid, asset, name, replaced, approved in rows:
            yield Hit(
                pid,
                said(
                    gettext_noop("picture %(name)s replaced %(replaced)s after approval (%(approved)s)"),
                    name=name,
                    replaced=f"{replaced:%Y-%m-%d %H:%M}",
                    approved=f"{approved:%Y-%m-%d %H:%M}",
                ),
                {"replaced_at": replaced, "approved_at": approved},
                asset_id=asset,
            )


# Assets linked to products of the batch and to products of another family tree (not the same model).
_SHARED = """
WITH links AS (
    SELECT l.product_id, l.asset_id, COALESCE(pp.parent_id, p.parent_id, p.id) AS root, p.sku
    FROM assets_productasset l
    JOIN products_product p ON p.id = l.product_id
    LEFT JOIN products_product pp ON pp.id = p.parent_id
    WHERE l.asset_id IN (SELECT asset_id FROM assets_productasset WHERE product_id = ANY(%s::bigint[]))
)
SELECT mine.product_id, mine.asset_id, array_agg(DISTINCT other.sku ORDER BY other.sku)
FROM links mine JOIN links other ON other.asset_id = mine.asset_id AND other.root <> mine.root
WHERE mine.product_id = ANY(%s::bigint[])
GROUP BY mine.product_id, mine.asset_id
"""


@register
class ImageShared(Rule):
    code = "image_shared"
    severity = Severity.WARNING
    category = "assets"
    description = "One picture linked to products that are not variants of the same model."

    def run(self, batch: Batch) -> Iterator[Hit]:
        with connection.cursor() as cursor:
            cursor.execute(_SHARED, [batch.ids, batch.ids])
            rows = cursor.fetchall()
        for pid, asset, others in rows:
            yield Hit(
                pid,
                said(gettext_noop("picture also used by %(skus)s"), skus=", ".join(others[:5]))
                if len(others) <= 5
                else said(
                    gettext_noop("picture also used by %(skus)s and %(more)s more"),
                    skus=", ".join(others[:5]),
                    more=len(others) - 5,
                ),
                {"others": others[:20]},
                asset_id=asset,
            )

    def involved(self, batch: Batch) -> set[int]:
        """Every product showing a picture the batch shows, and every product whose open finding is about
        a picture the batch's products had (after an unlink, the other side loses its finding too)."""
        with connection.cursor() as cursor:
            cursor.execute(_INVOLVED, {"ids": batch.ids, "rule": self.code})
            return {row[0] for row in cursor.fetchall()}


_INVOLVED = """
WITH assets AS (
    SELECT asset_id FROM assets_productasset WHERE product_id = ANY(%(ids)s::bigint[])
    UNION
    SELECT asset_id FROM quality_finding
    WHERE rule = %(rule)s AND resolved_at IS NULL AND product_id = ANY(%(ids)s::bigint[])
)
SELECT l.product_id FROM assets_productasset l WHERE l.asset_id IN (SELECT asset_id FROM assets)
UNION
SELECT f.product_id FROM quality_finding f
WHERE f.rule = %(rule)s AND f.resolved_at IS NULL AND f.asset_id IN (SELECT asset_id FROM assets)
"""


ROLES = {
    "main": gettext_noop("Main picture"),
    "gallery": gettext_noop("Gallery"),
    "swatch": gettext_noop("Swatch"),
    "packshot": gettext_noop("Packshot"),
    "lifestyle": gettext_noop("Lifestyle"),
}


def _role(role: str):
    """A link's role by its name, said in the reader's language."""
    return said(ROLES[role]) if role in ROLES else role
