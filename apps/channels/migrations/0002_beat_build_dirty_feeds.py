"""Kept for the migration graph. The beat schedule's jobs are declared on each app's AppConfig
(`periodic_tasks`) and put in the schedule after every `migrate` (apps/core/schedules.py)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("channels", "0001_initial"), ("django_celery_beat", "0019_alter_periodictasks_options")]
    operations = []
