"""The admin's thumbnail spec (200×200 WebP). The hourly job that flags assets whose rights ended is
declared on AssetsConfig.periodic_tasks."""

from django.db import migrations


def forwards(apps, schema_editor):
    apps.get_model("assets", "RenditionSpec").objects.get_or_create(
        code="thumbnail",
        defaults={"width": 200, "height": 200, "format": "WEBP", "fit": "contain", "quality": 80},
    )


class Migration(migrations.Migration):
    dependencies = [("assets", "0001_initial"), ("django_celery_beat", "0019_alter_periodictasks_options")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
