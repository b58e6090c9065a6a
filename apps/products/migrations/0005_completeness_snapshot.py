"""A daily completeness figure per channel, for the dashboard's completeness-over-time chart (the nightly
job that takes it is declared on ProductsConfig.periodic_tasks)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0008_import_job"),
        ("products", "0004_sku_upper_index"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        migrations.CreateModel(
            name="CompletenessSnapshot",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("day", models.DateField(verbose_name="day")),
                ("products", models.PositiveIntegerField(verbose_name="products")),
                ("complete", models.PositiveIntegerField(verbose_name="complete in every locale")),
                ("taken_at", models.DateTimeField(auto_now=True, verbose_name="taken")),
                (
                    "channel",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="+", to="core.channel"
                    ),
                ),
            ],
            options={
                "verbose_name": "completeness snapshot",
                "verbose_name_plural": "completeness snapshots",
                "ordering": ["day", "channel"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("day", "channel"), name="products_completeness_snapshot_uniq"
                    )
                ],
            },
        ),
    ]
