"""Role groups. Their permissions, and the locales and currencies, are set after each migrate
(apps.core.apps), because later apps' permissions do not exist yet when this runs."""

from django.db import migrations

ROLES = ["merchandiser", "marketer", "approver", "channel_manager", "integrator", "store_staff", "admin"]


def forwards(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for name in ROLES:
        Group.objects.get_or_create(name=name)


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial"), ("auth", "0012_alter_user_first_name_max_length")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
