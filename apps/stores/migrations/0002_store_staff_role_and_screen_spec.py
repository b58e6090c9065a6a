"""The store staff group with the page's permission, and the rendition the page shows (600×600).

The group is kept in line with StoresConfig.role_permissions after every migrate as well; this makes it
right from the moment this migration runs. New uploads get the spec's renditions from the workers;
`renditions_generate` makes them for pictures uploaded before."""

from django.db import migrations

ROLE = "store_staff"
SPEC = {
    "code": "store_screen",
    "width": 600,
    "height": 600,
    "format": "WEBP",
    "fit": "contain",
    "quality": 80,
}


def forwards(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    ContentType = apps.get_model("contenttypes", "ContentType")
    RenditionSpec = apps.get_model("assets", "RenditionSpec")
    content_type, _created = ContentType.objects.get_or_create(app_label="stores", model="staffstore")
    permission, _created = Permission.objects.get_or_create(
        content_type=content_type, codename="use_store_page", defaults={"name": "Can use the store page"}
    )
    group, _created = Group.objects.get_or_create(name=ROLE)
    group.permissions.add(permission)
    RenditionSpec.objects.get_or_create(code=SPEC["code"], defaults=SPEC)


def backwards(apps, schema_editor):
    apps.get_model("assets", "RenditionSpec").objects.filter(code=SPEC["code"], channel__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("stores", "0001_staff_store"),
        ("assets", "0002_thumbnail_spec_and_expiry_schedule"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]
    operations = [migrations.RunPython(forwards, backwards)]
