"""Four eyes: who contributed to a campaign since its last approval. Drafts and submissions start with
the owner, the last editor, the submitter, and whoever the audit log shows changing the campaign, its
promotions, banners or coupons since its last approval."""

import django.contrib.postgres.fields
from django.db import migrations, models

BACKFILL = """
UPDATE campaigns_campaign c SET contributors = ARRAY(
    SELECT DISTINCT x FROM unnest(ARRAY[c.owner_id, c.updated_by_id, c.submitted_by_id]::bigint[] || ARRAY(
        SELECT a.actor_id FROM core_auditlog a
        WHERE a.object_type = 'campaign' AND a.object_code = c.code AND a.actor_id IS NOT NULL
          AND a.action NOT IN ('campaign.approve', 'campaign.reject', 'campaign.cancel')
          AND a.created_at > COALESCE(
              (SELECT max(b.created_at) FROM core_auditlog b
               WHERE b.object_type = 'campaign' AND b.object_code = c.code AND b.action = 'campaign.approve'),
              '-infinity')
    )) AS x WHERE x IS NOT NULL ORDER BY x
)
WHERE c.status IN ('draft', 'submitted')
"""


class Migration(migrations.Migration):
    dependencies = [
        ("campaigns", "0003_banners"),
        ("core", "0003_auditlog_append_only"),
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
