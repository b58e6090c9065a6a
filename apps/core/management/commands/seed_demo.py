from importlib import import_module

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import connection
from django.utils.module_loading import module_has_submodule

from apps.core import context


class Command(BaseCommand):
    help = (
        "Load the demo: every installed app's `demo.seed()` in dependency order (core first). "
        "Idempotent: running it again leaves existing data as it is. Each seeder writes through the "
        "services, which are atomic per batch, so a large catalog commits as it goes."
    )

    def add_arguments(self, parser):
        parser.add_argument("--products", type=int, default=600, help="how many demo products (default 600)")

    def handle(self, *args, products: int, **options):
        with context.bound(origin="system"):
            for config in apps.get_app_configs():
                if config.name.startswith("apps.") and module_has_submodule(config.module, "demo"):
                    import_module(f"{config.name}.demo").seed(products=products, out=self.stdout)
        # Planner statistics for the tables just filled: without them PostgreSQL estimates expression
        # indexes (UPPER(sku)) as useless and scans the whole catalog until autovacuum's next pass. Noel's
        # own tables only: a bare ANALYZE also takes the server's shared catalogs, and waits behind any
        # other database's transaction holding them.
        tables = [
            connection.ops.quote_name(model._meta.db_table)
            for config in apps.get_app_configs()
            if config.name.startswith("apps.")
            for model in config.get_models()
            if not model._meta.proxy and model._meta.managed
        ]
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {', '.join(sorted(set(tables)))}")
