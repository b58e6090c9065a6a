"""In the beat schedule (editable in the admin): every minute, fail the feed builds whose worker stopped
(killed or crashed: no sign of life for NOEL_FEED_WORKER_LOST_AFTER seconds) and build those feeds again,
so a sell-out still reaches the channels within minutes when a worker dies in the middle of a build."""

from django.db import migrations

NAME = "Fail and rebuild feed builds whose worker stopped"


def forwards(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    every_minute, _ = IntervalSchedule.objects.get_or_create(every=1, period="minutes")
    PeriodicTask.objects.get_or_create(
        name=NAME, defaults={"task": "channels.feed_runs_reap", "interval": every_minute, "enabled": True}
    )


def backwards(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("channels", "0005_feed_run_steps"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [migrations.RunPython(forwards, backwards)]
