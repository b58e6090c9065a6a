"""Four eyes: who contributed to a product since its last approval. Drafts, products in review and those
with a pending change start with the people known: the last editor, the pending change's author, the
last submitter, and whoever the audit log shows creating, changing, proposing or submitting it since its
last approval (by the audit's product index)."""

import django.contrib.postgres.fields
from django.db import migrations, models

BACKFILL = """
UPDATE products_product p SET contributors = ARRAY(
    SELECT DISTINCT x FROM unnest(ARRAY[
        p.updated_by_id,
        (SELECT c.author_id FROM products_pendingchange c WHERE c.product_id = p.id),
        (SELECT r.actor_id FROM products_productreview r WHERE r.product_id = p.id AND r.action = 'submit'
         ORDER BY r.created_at DESC, r.id DESC LIMIT 1)
    ]::bigint[] || ARRAY(
        SELECT a.actor_id FROM core_auditlog a
        WHERE a.object_type = 'product' AND a.object_code = p.sku AND a.actor_id IS NOT NULL
          AND a.action IN ('product.create', 'product.update', 'product.propose', 'product.submit')
          AND a.created_at > COALESCE(
              (SELECT max(r.created_at) FROM products_productreview r
               WHERE r.product_id = p.id AND r.action = 'approve'), '-infinity')
    )) AS x WHERE x IS NOT NULL ORDER BY x
)
WHERE p.status IN ('draft', 'in_review')
   OR EXISTS (SELECT 1 FROM products_pendingchange c WHERE c.product_id = p.id)
"""


class Migration(migrations.Migration):
    dependencies = [
        ("products", "0013_product_foreign_key_indexes"),
        ("core", "0003_auditlog_append_only"),
    ]

    operations = [  # the backfill after the column
        migrations.AddField(
            model_name="product",
            name="contributors",
            field=django.contrib.postgres.fields.ArrayField(
                base_field=models.BigIntegerField(), blank=True, default=list, editable=False, size=None
            ),
        ),
        migrations.RunSQL(BACKFILL, migrations.RunSQL.noop),
    ]
