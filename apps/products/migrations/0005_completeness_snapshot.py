"""A daily completeness figure per channel, and the nightly job that takes it (editable in the admin,
"Scheduled jobs"), for the dashboard's completeness-over-time chart."""

import django.db.models.deletion
from django.db import migrations, models

NAME = "Snapshot completeness per channel"


def forwards(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    nightly, _ = CrontabSchedule.objects.get_or_create(
        minute="30", hour="23", day_of_month="*", month_of_year="*", day_of_week="*", timezone="Europe/Paris"
    )
    PeriodicTask.objects.get_or_create(
        name=NAME, defaults={"task": "products.completeness_snapshot", "crontab": nightly, "enabled": True}
    )


def backwards(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NAME).delete()


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
        migrations.RunPython(forwards, backwards),
    ]
