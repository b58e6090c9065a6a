from django.core.management.base import BaseCommand

from apps.core.access_table import roles_section


class Command(BaseCommand):
    help = "Print the `## Roles` section of docs/access.md, drawn from apps/core/access_model.py."

    def handle(self, *args, **options):
        self.stdout.write(roles_section(), ending="")
