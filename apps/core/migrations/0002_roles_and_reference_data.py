"""Role groups and the reference data every install starts with.

The groups' permissions are set after each migrate by apps.core.roles.sync_role_permissions, from what
each app declares, because later apps' permissions do not exist yet when this runs.
"""

from django.db import migrations

ROLES = ["merchandiser", "marketer", "approver", "channel_manager", "integrator", "store_staff", "admin"]
LOCALES = [
    ("fr_FR", "Français (France)"),
    ("en_GB", "English (United Kingdom)"),
    ("en_US", "English (United States)"),
    ("de_DE", "Deutsch (Deutschland)"),
    ("es_ES", "Español (España)"),
    ("it_IT", "Italiano (Italia)"),
    ("nl_NL", "Nederlands (Nederland)"),
    ("fr_BE", "Français (Belgique)"),
]
CURRENCIES = [
    ("EUR", "Euro", 2),
    ("GBP", "Pound sterling", 2),
    ("USD", "US dollar", 2),
    ("CHF", "Swiss franc", 2),
    ("SEK", "Swedish krona", 2),
    ("PLN", "Polish złoty", 2),
    ("JPY", "Yen", 0),
]


def forwards(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Locale = apps.get_model("core", "Locale")
    Currency = apps.get_model("core", "Currency")
    for name in ROLES:
        Group.objects.get_or_create(name=name)
    for code, name in LOCALES:
        Locale.objects.get_or_create(
            code=code, defaults={"name": name, "is_active": code in ("fr_FR", "en_GB")}
        )
    for code, name, places in CURRENCIES:
        Currency.objects.get_or_create(code=code, defaults={"name": name, "decimal_places": places})


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial"), ("auth", "0012_alter_user_first_name_max_length")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
