"""`manage.py export_catalog [--output PATH] [--format csv|xlsx] [--family F] [--category C]
[--attributes a,b] [--locales fr_FR] [--channels web]`: the flat product file, streamed."""

from __future__ import annotations

import sys
import time

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from apps.products import flat, selectors
from apps.products.models import Product


def _codes(value: str | None) -> set[str] | None:
    return {v.strip() for v in value.split(",") if v.strip()} if value else None


class Command(BaseCommand):
    help = "Export products as a flat CSV or XLSX file in Akeneo's column convention."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--output", "-o", help="file to write (default: standard output, CSV only)")
        parser.add_argument("--format", choices=["csv", "xlsx"], default="csv")
        parser.add_argument("--delimiter", default=";", choices=[";", ","])
        parser.add_argument("--family")
        parser.add_argument("--category", help="a category code: its whole subtree")
        parser.add_argument("--attributes", help="comma-separated attribute codes")
        parser.add_argument("--locales", help="comma-separated locale codes")
        parser.add_argument("--channels", help="comma-separated channel codes")

    def handle(self, *args, **options) -> None:
        started = time.perf_counter()
        queryset = Product.objects.order_by("sku")
        if options["family"]:
            queryset = queryset.filter(family__code=options["family"])
        if options["category"]:
            queryset = selectors.products_in_category(queryset, options["category"])
        columns = flat.keep_columns(
            flat.header(queryset),
            attributes=_codes(options["attributes"]),
            locales=_codes(options["locales"]),
            channels=_codes(options["channels"]),
        )
        if options["format"] == "xlsx":
            if not options["output"]:
                self.stderr.write("an XLSX export needs --output")
                sys.exit(2)
            with open(options["output"], "wb") as handle:
                try:
                    count = flat.xlsx_write(queryset, handle, columns)
                except ValidationError as exc:
                    raise CommandError(" ".join(exc.messages)) from exc
        elif options["output"]:
            with open(options["output"], "w", encoding="utf-8", newline="") as handle:
                count = self._csv(queryset, options["delimiter"], columns, handle)
        else:
            count = self._csv(queryset, options["delimiter"], columns, sys.stdout)
        seconds = time.perf_counter() - started
        rate = count / seconds if seconds else 0
        self.stderr.write(f"{count:,} products exported in {seconds:.1f} s ({rate:,.0f} rows/s)")

    @staticmethod
    def _csv(queryset, delimiter: str, columns: list[str], handle) -> int:
        lines = flat.csv_lines(queryset, delimiter, columns)
        handle.write(next(iter(lines)))
        count = 0
        for line in lines:
            handle.write(line)
            count += 1
        return count
