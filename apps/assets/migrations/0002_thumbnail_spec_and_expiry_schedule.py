"""The admin's thumbnail spec (200×200 WebP), and the hourly job that flags assets whose rights ended
(editable in the admin, "Scheduled jobs"). Feeds stop using an expired asset at the instant itself;
the job marks it and lists where it was used."""

from django.db import migrations


def forwards(apps, schema_editor):
    apps.get_model("assets", "RenditionSpec").objects.get_or_create(
        code="thumbnail",
        defaults={"width": 200, "height": 200, "format": "WEBP", "fit": "contain", "quality": 80},
    )
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    hourly, _ = IntervalSchedule.objects.get_or_create(every=1, period="hours")
    PeriodicTask.objects.get_or_create(
        name="Flag assets whose rights expired",
        defaults={"task": "assets.flag_expired", "interval": hourly, "enabled": True},
    )


def backwards(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(
        name="Flag assets whose rights expired"
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("assets", "0001_initial"), ("django_celery_beat", "0019_alter_periodictasks_options")]
    operations = [migrations.RunPython(forwards, backwards)]
