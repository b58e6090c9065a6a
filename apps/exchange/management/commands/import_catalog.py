"""`manage.py import_catalog PATH… [--dry-run] [--skip-invalid] [--format noel|akeneo|shopify]
[--stock-location CODE] [--user NAME]`: files, folders or ZIPs, taken in dependency order (products,
then prices, then stock; an Akeneo set in its own order), through the same importers as the admin, with
progress on a terminal and a summary per file; with --user, as that person (their rights apply). Without
--format, Akeneo's set-up files and Shopify's product CSV are told by their header; --stock-location (or
--location) names where Shopify's stock counts go."""

from __future__ import annotations

import sys
import tempfile
import zipfile
from pathlib import Path

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from apps.core.management.shell_jobs import person
from apps.exchange.jobs import importers
from apps.exchange.tabular import ImportRejected

ORDER = ("products", "prices", "stock")
FORMATS = {"noel": "", "akeneo": "catalog", "shopify": "shopify"}  # format → importer kind


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
        parser.add_argument(
            "--format", choices=list(FORMATS), help="the files' format (default: told by their header)"
        )
        parser.add_argument("--kind", choices=ORDER, help="what every file holds (default: from its name)")
        parser.add_argument(
            "--stock-location",
            "--location",
            dest="location",
            help="Shopify's product CSV: the stock location that receives its Variant Inventory Qty"
            " (Inventory quantity)",
        )
        parser.add_argument(
            "--user",
            help="import as this person: their rights apply, and approved products they change get "
            "pending changes, as through the admin (default: the system, unchecked)",
        )

    def handle(self, *args, **options) -> None:
        self.actor = person(options.get("user"), required=False)
        with tempfile.TemporaryDirectory() as scratch:
            files = self._files([Path(p) for p in options["paths"]], Path(scratch))
            if not files:
                raise CommandError("no .csv or .xlsx file found in " + ", ".join(options["paths"]))
            other = FORMATS[options["format"]] if options["format"] else self._detect(files)
            if other and importers[other].sets:
                failed = not self._import(None, other, options, paths=[Path(p) for p in options["paths"]])
            elif other:
                results = [
                    self._import(path, other, options) for path in files
                ]  # every file, even after a refusal
                failed = not all(results)
            else:
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

    def _detect(self, files: list[Path]) -> str:
        """The importer of another tool's format that claims one of the files, else "" (Noel's own)."""
        for path in files:
            for kind, importer in importers.items():
                if importer.detect is not None and importer.detect(path):
                    return kind
        return ""

    def _import(self, path: Path | None, kind: str, options: dict, paths: list[Path] | None = None) -> bool:
        terminal = sys.stderr.isatty()
        label = path.name if path else kind

        def progress(done: int) -> None:
            if terminal:
                sys.stderr.write(f"\r  {label}: {done:,} rows")
                sys.stderr.flush()

        self.stdout.write(
            f"{path or ', '.join(map(str, paths or []))} ({kind}{', dry run' if options['dry_run'] else ''})"
        )
        importer = importers[kind]
        if self.actor is not None and not self.actor.has_perm(importer.permission):
            raise CommandError(f"{self.actor.get_username()} may not import {importer.label}")
        run = {
            "actor": self.actor,
            "skip_invalid": options["skip_invalid"],
            "dry_run": options["dry_run"],
            "progress": progress,
        }
        extra = {"location": options["location"]} if options.get("location") else {}
        if refusal := importers[kind].options_refusal(extra, actor=self.actor):
            raise CommandError(refusal)
        try:
            if path is None:
                report = importers[kind].run(paths=paths, **run, **extra).as_dict()
            else:
                with path.open("rb") as handle:
                    report = importers[kind].run(handle=handle, name=path.name, **run, **extra).as_dict()
        except PermissionDenied as refused:
            raise CommandError(str(refused)) from refused
        except ImportRejected as rejected:
            if terminal:
                sys.stderr.write("\n")
            for error in rejected.errors[:100]:
                self.stderr.write(f"  {error}")
            more = len(rejected.errors) - 100
            self.stderr.write(
                f"  refused: {len(rejected.errors)} error{'' if len(rejected.errors) == 1 else 's'}"
                f"{f' ({more} more not shown)' if more > 0 else ''}"
            )
            return False
        if terminal:
            sys.stderr.write("\n")
        for error in report["errors"][:100]:
            self.stderr.write(f"  skipped row {error['row']}, column {error['column']}: {error['reason']}")
        for warning in report.get("warnings", [])[:100]:
            sku = f" ({warning['sku']})" if warning["sku"] else ""
            self.stdout.write(
                f"  warning: row {warning['row']}, column {warning['column']}{sku}: {warning['reason']}"
            )
        for part in report.get("files", []):
            self.stdout.write(f"  {part['file']} ({part['kind']})")
            self._summary(part, "    ")
        self._summary(report, "  ")
        prices = report.get("prices") or {}
        if prices.get("set") or prices.get("not_set"):
            self.stdout.write(f"  channel prices set from the file: {prices['set']}")
            for reason in prices["not_set"]:
                self.stdout.write(f"  price not set: {reason}")
        for said in report.get("channel_fallbacks", []):
            self.stdout.write(f"  {said}")
        if report.get("files_not_read"):
            self.stdout.write(
                "  files not read (Noel has no use for them): " + ", ".join(report["files_not_read"])
            )
        return True

    def _summary(self, report: dict, indent: str) -> None:
        self.stdout.write(
            indent
            + "{rows} {noun}: {created} created, {updated} updated, {unchanged} unchanged, {pending} pending "
            "approval, {rejected} rejected; columns ignored: {ignored}; {rows_per_second:,} rows/s".format(
                noun="row" if report["rows"] == 1 else "rows",
                ignored=", ".join(report["columns_ignored"]) or "none",
                **report,
            )
        )
        stock = report.get("stock") or {}
        if stock.get("location"):
            self.stdout.write(
                indent + "stock at {location}: {counted} counted, {changed} levels changed".format(**stock)
            )
        if untracked := stock.get("untracked"):
            self.stdout.write(
                indent
                + f"{untracked} variant{'' if untracked == 1 else 's'} not tracked by Shopify (Variant "
                "Inventory Tracker empty): no stock set"
            )
        if stock.get("skipped"):
            self.stdout.write(
                indent + "stock not imported (no stock location picked): " + ", ".join(stock["skipped"])
            )
