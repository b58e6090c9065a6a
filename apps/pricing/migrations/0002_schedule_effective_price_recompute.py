"""A safety net in the beat schedule (editable in the admin): recompute any effective price left dirty,
for instance by a worker that died mid-batch. Price changes also queue the job at once."""

from django.db import migrations


def forwards(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    every_five, _ = IntervalSchedule.objects.get_or_create(every=5, period="minutes")
    PeriodicTask.objects.get_or_create(
        name="Recompute dirty effective prices",
        defaults={"task": "pricing.effective_prices_recompute", "interval": every_five, "enabled": True},
    )


def backwards(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(
        name="Recompute dirty effective prices"
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("pricing", "0001_initial"), ("django_celery_beat", "0019_alter_periodictasks_options")]
    operations = [migrations.RunPython(forwards, backwards)]
