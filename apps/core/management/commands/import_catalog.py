"""`manage.py import_catalog PATH… [--dry-run] [--skip-invalid] [--format noel|akeneo]`: files, folders or
ZIPs, taken in dependency order (products, then prices, then stock), through the same importers as the
admin, with progress on a terminal and a summary per file."""

from __future__ import annotations

import sys
import tempfile
import zipfile
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from apps.core.imports import importers
from apps.core.tabular import ImportRejected

ORDER = ("products", "prices", "stock")


def kind_of(path: Path) -> str:
    """A file's kind from its name: prices*.csv, stock*.xlsx…; anything else holds products."""
    stem = path.stem.lower()
    return next((kind for kind in ORDER[1:] if stem.startswith(kind)), "products")


class Command(BaseCommand):
    help = "Import catalog files (flat products in Akeneo's convention, prices, stock)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("paths", nargs="+", help="files, folders or ZIP archives")
        parser.add_argument("--dry-run", action="store_true", help="check everything, write nothing")
        parser.add_argument(
            "--skip-invalid", action="store_true", help="import the valid rows, report the rest"
        )
        parser.add_argument("--format", choices=["noel", "akeneo", "shopify"], default="noel")
        parser.add_argument("--kind", choices=ORDER, help="what every file holds (default: from its name)")

    def handle(self, *args, **options) -> None:
        if options["format"] == "shopify":
            raise CommandError(
                "Shopify's product CSV is not supported yet: export the products in Noel's flat format"
            )
        with tempfile.TemporaryDirectory() as scratch:
            files = self._files([Path(p) for p in options["paths"]], Path(scratch))
            if not files:
                raise CommandError("no .csv or .xlsx file found in " + ", ".join(options["paths"]))
            files.sort(key=lambda f: (ORDER.index(options["kind"] or kind_of(f)), str(f)))
            failed = False
            for path in files:
                failed |= not self._import(path, options["kind"] or kind_of(path), options)
        if failed:
            raise CommandError("some files were refused: nothing of them was written")

    def _files(self, paths: list[Path], scratch: Path) -> list[Path]:
        found: list[Path] = []
        for path in paths:
            if not path.exists():
                raise CommandError(f"{path} does not exist")
            if path.is_dir():
                found += self._files(sorted(path.iterdir()), scratch)
            elif path.suffix.lower() == ".zip":
                target = scratch / path.stem
                with zipfile.ZipFile(path) as archive:
                    archive.extractall(target)
                found += self._files([target], scratch)
            elif path.suffix.lower() in (".csv", ".xlsx"):
                found.append(path)
        return found

    def _import(self, path: Path, kind: str, options: dict) -> bool:
        terminal = sys.stderr.isatty()

        def progress(done: int) -> None:
            if terminal:
                sys.stderr.write(f"\r  {path.name}: {done:,} rows")
                sys.stderr.flush()

        self.stdout.write(f"{path} ({kind}{', dry run' if options['dry_run'] else ''})")
        try:
            with path.open("rb") as handle:
                report = (
                    importers[kind]
                    .run(
                        actor=None,
                        handle=handle,
                        name=path.name,
                        skip_invalid=options["skip_invalid"],
                        dry_run=options["dry_run"],
                        progress=progress,
                    )
                    .as_dict()
                )
        except ImportRejected as rejected:
            if terminal:
                sys.stderr.write("\n")
            for error in rejected.errors[:100]:
                self.stderr.write(f"  {error}")
            more = len(rejected.errors) - 100
            self.stderr.write(
                f"  refused: {len(rejected.errors)} errors{f' ({more} more not shown)' if more > 0 else ''}"
            )
            return False
        if terminal:
            sys.stderr.write("\n")
        for error in report["errors"][:100]:
            self.stderr.write(f"  skipped row {error['row']}, column {error['column']}: {error['reason']}")
        self.stdout.write(
            "  {rows} rows: {created} created, {updated} updated, {unchanged} unchanged, {pending} pending "
            "approval, {rejected} rejected; columns ignored: {ignored}; {rows_per_second:,} rows/s".format(
                ignored=", ".join(report["columns_ignored"]) or "none", **report
            )
        )
        return True
