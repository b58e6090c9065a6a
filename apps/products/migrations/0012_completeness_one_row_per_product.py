"""Completeness in one row a product (scores keyed by channel and locale code) instead of one row per
product × channel × locale; the stored figures are carried over by SQL."""

import django.contrib.postgres.fields
import django.contrib.postgres.indexes
import django.db.models.deletion
from django.db import migrations, models

CARRY_OVER = """
INSERT INTO products_completeness (product_id, scores, incomplete)
SELECT s.product_id, jsonb_object_agg(s.channel, s.locales), '{}'
FROM (
    SELECT r.product_id, c.code AS channel,
           jsonb_object_agg(l.code, jsonb_build_object(
               'required', r.required, 'missing', to_jsonb(r.missing), 'ratio', r.ratio)) AS locales
    FROM products_completeness_rows r
    JOIN core_channel c ON c.id = r.channel_id
    JOIN core_locale l ON l.id = r.locale_id
    GROUP BY r.product_id, c.code
) s
GROUP BY s.product_id;

UPDATE products_completeness p SET incomplete = ARRAY(
    SELECT DISTINCT k FROM jsonb_each(p.scores) c, jsonb_each(c.value) l,
         LATERAL (VALUES (c.key), (c.key || '/' || l.key)) AS keys(k)
    WHERE (l.value ->> 'ratio')::int < 100
    ORDER BY k
);

DROP TABLE products_completeness_rows;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0010_importjob_options"),
        ("products", "0011_attribute_media_rules"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="Completeness")],
            database_operations=[
                migrations.RunSQL(
                    "ALTER TABLE products_completeness RENAME TO products_completeness_rows;"
                    " ALTER INDEX products_completeness_pkey RENAME TO products_completeness_rows_pkey;"
                ),
            ],
        ),
        migrations.CreateModel(
            name="Completeness",
            fields=[
                (
                    "product",
                    models.OneToOneField(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="completeness",
                        serialize=False,
                        to="products.product",
                    ),
                ),
                ("scores", models.JSONField(default=dict)),
                (
                    "incomplete",
                    django.contrib.postgres.fields.ArrayField(
                        base_field=models.CharField(max_length=201), blank=True, default=list, size=None
                    ),
                ),
            ],
            options={
                "verbose_name": "completeness",
                "verbose_name_plural": "completeness",
                "indexes": [
                    django.contrib.postgres.indexes.GinIndex(
                        fields=["incomplete"], name="products_incomplete_gin"
                    )
                ],
            },
        ),
        migrations.RunSQL(CARRY_OVER),
    ]
