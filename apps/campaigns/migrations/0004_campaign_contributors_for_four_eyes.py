"""Four eyes: who contributed to a campaign since its last approval. Drafts and submissions start with
the people the old rule knew of: the owner, the last editor and the submitter."""

import django.contrib.postgres.fields
from django.db import migrations, models

BACKFILL = """
UPDATE campaigns_campaign SET contributors = ARRAY(
    SELECT DISTINCT x FROM unnest(ARRAY[owner_id, updated_by_id, submitted_by_id]::bigint[]) AS x
    WHERE x IS NOT NULL ORDER BY x
)
WHERE status IN ('draft', 'submitted')
"""


class Migration(migrations.Migration):
    dependencies = [
        ("campaigns", "0003_banners"),
    ]

    operations = [
        migrations.AddField(
            model_name="campaign",
            name="contributors",
            field=django.contrib.postgres.fields.ArrayField(
                base_field=models.BigIntegerField(), blank=True, default=list, editable=False, size=None
            ),
        ),
        migrations.RunSQL(BACKFILL, migrations.RunSQL.noop),
    ]
