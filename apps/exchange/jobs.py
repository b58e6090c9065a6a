"""Import jobs, whatever they import: the exchange app registers its importers here (`apps.py`), and the
admin, the Celery task and `manage.py import_catalog` run them through the same job services.

An importer is `run(actor, handle, name, skip_invalid, dry_run, progress, **options) -> ImportReport`,
`options` being the ones it names (a stock location for Shopify's file); it raises `ImportRejected`
(nothing written) when a row is refused and invalid rows are not to be skipped.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO, Any

from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.core.models import ImportJob, User
from apps.core.policies import is_administrator
from apps.core.services import audit_record
from apps.core.uploads import import_max_bytes, upload_check
from apps.exchange.tabular import ImportRejected, ImportReport

Runner = Callable[..., ImportReport]


@dataclass(frozen=True)
class Importer:
    """`detect(path)` tells a file of another tool's format (Akeneo, Shopify) from its header, for the
        command; an importer of `sets` takes all the files at once (`paths=`), in its own order; `options`
        names the keyword arguments it takes beyond the common ones, and `check(actor, **options)` says why
        their values will not do (an unknown stock location) before a file is read; `choices(actor)` lists the
    values the upload form offers for them (the open stock locations)."""

    kind: str
    label: str
    permission: str
    run: Runner
    detect: Callable[[Any], bool] | None = None
    sets: bool = False
    options: tuple[str, ...] = ()
    check: Callable[..., str | None] | None = None
    # option → the values a person may pick for it, (value, label), for the upload form
    choices: Callable[[User], dict[str, list[tuple[str, str]]]] | None = None

    def options_refusal(self, options: dict[str, str], actor: User | None) -> str | None:
        """Why these options do not suit this importer, or None."""
        other = sorted(set(options) - set(self.options))
        if other:
            return _("{options}: not an option of an import of {what}").format(
                options=", ".join(other), what=self.label
            )
        return self.check(actor, **options) if self.check and options else None


importers: dict[str, Importer] = {}


def importer_register(importer: Importer) -> None:
    importers[importer.kind] = importer


def count_rows(handle: IO[bytes], name: str = "") -> int:
    """Rows after the header, for the progress bar (multi-line cells make a CSV's an upper bound)."""
    if handle.read(4) == b"PK\x03\x04" or name.lower().endswith(".xlsx"):
        import openpyxl

        handle.seek(0)
        try:
            rows = (openpyxl.load_workbook(handle, read_only=True).worksheets[0].max_row or 1) - 1
        except Exception:  # a damaged file: the import itself says what is wrong with it
            rows = 0
        handle.seek(0)
        return rows
    handle.seek(0)
    lines, last = 0, b"\n"
    while block := handle.read(1 << 20):
        lines += block.count(b"\n")
        last = block[-1:]
    handle.seek(0)
    return max(lines - (last == b"\n"), 0)


def progress_key(job_id: int) -> str:
    return f"noel:import-job:{job_id}:progress"


def job_progress(job: ImportJob) -> dict[str, Any]:
    """Rows done, total, rate and seconds left, for the progress bar while the job runs."""
    done, started = cache.get(progress_key(job.pk), (0, None))
    elapsed = time.time() - started if started else 0
    rate = done / elapsed if elapsed else 0
    total = max(job.rows_total, done)
    left = (total - done) / rate if rate else None
    return {
        "done": done,
        "total": total,
        "percent": int(100 * done / total) if total else 0,
        "rate": round(rate),
        "eta": round(left) if left is not None else None,
    }


@transaction.atomic
def import_job_create(
    *,
    actor: User,
    kind: str,
    upload: UploadedFile,
    skip_invalid: bool = False,
    options: dict[str, str] | None = None,
) -> ImportJob:
    """Keep the uploaded file and queue its dry run (the preview)."""
    importer = importers.get(kind)
    if importer is None:
        raise ValidationError({"kind": f"unknown import {kind!r}"})
    if not actor.has_perm(importer.permission):
        raise ValidationError({"kind": f"{actor.get_username()} may not import {importer.label}"})
    options = options or {}
    if refusal := importer.options_refusal(options, actor):
        raise ValidationError(refusal)
    # bounded before a byte of it is read (count_rows would open an XLSX's shared strings right here)
    upload_check(upload.name, upload, upload.size, import_max_bytes())
    job = ImportJob(kind=kind, name=upload.name, skip_invalid=skip_invalid, options=options, created_by=actor)
    job.file.save(upload.name, upload, save=False)
    with job.file.open("rb") as handle:
        job.rows_total = count_rows(handle, job.name)
    job.save()
    audit_record(
        actor=actor, action="import.upload", object_type="import", object_code=f"{job.pk} {job.name}"
    )
    _queue(job, dry_run=True)
    return job


@transaction.atomic
def import_job_confirm(*, actor: User, job: ImportJob) -> ImportJob:
    """Apply a previewed file; refused when its preview found errors and invalid rows are not skipped."""
    job = ImportJob.objects.select_for_update().get(pk=job.pk)
    if job.status != ImportJob.Status.PREVIEWED:
        raise ValidationError(f"import {job.pk} is {job.get_status_display().lower()}: nothing to confirm")
    if refusal := _refusal(job, actor, _("confirm")):
        raise ValidationError(refusal)
    if actor.pk != job.created_by_id and not is_administrator(actor):
        raise ValidationError(
            _("Only the person who uploaded import {job} or an administrator may confirm it.").format(
                job=job.pk
            )
        )
    job.status = ImportJob.Status.RUNNING
    job.confirmed_by = actor
    job.started_at = job.finished_at = None  # the apply claims the job by setting started_at again
    job.save(update_fields=["status", "confirmed_by", "started_at", "finished_at"])
    cache.delete(progress_key(job.pk))  # the bar starts from zero, not from where the dry run ended
    audit_record(
        actor=actor, action="import.confirm", object_type="import", object_code=f"{job.pk} {job.name}"
    )
    _queue(job, dry_run=False)
    return job


def _refusal(job: ImportJob, person: User | None, what: str) -> str | None:
    """Why `person` may not do `what` to this job (gone, inactive, lost the right), or None."""
    importer = importers.get(job.kind)
    if importer is None:
        return _("Import {job}: unknown import {kind}.").format(job=job.pk, kind=job.kind)
    if person is None or not person.is_active or not person.has_perm(importer.permission):
        who = person.get_username() if person is not None else _("nobody")
        return _("Import {job}: {who} may not {what} an import of {label}.").format(
            job=job.pk, who=who, what=what, label=importer.label
        )
    return None


def _queue(job: ImportJob, *, dry_run: bool) -> None:
    from apps.exchange.tasks import import_job_run as task

    transaction.on_commit(lambda: task.delay(job.pk, dry_run))


def import_job_run(*, job_id: int, dry_run: bool) -> ImportJob:
    """Run a job's importer (as a dry run for the preview) and keep its report with the job.

    Never trusts its arguments: a preview runs only on a job waiting for one, the import only on a job
    confirmed by someone who may import it; each run claims the job, so it runs once. Otherwise refused
    with PermissionDenied, the job unchanged."""
    job = ImportJob.objects.select_related("created_by", "confirmed_by").get(pk=job_id)
    importer = importers[job.kind]
    waiting = ImportJob.Status.PREVIEWING if dry_run else ImportJob.Status.RUNNING
    person = job.created_by if dry_run else job.confirmed_by
    refusal = _refusal(job, person, _("preview") if dry_run else _("apply"))
    if job.status != waiting:
        refusal = _("Import {job} is {status}: it cannot be {what}.").format(
            job=job.pk,
            status=job.get_status_display().lower(),
            what=_("previewed") if dry_run else _("applied without a confirmation"),
        )
    claimed = not refusal and ImportJob.objects.filter(
        pk=job.pk, status=waiting, started_at__isnull=True
    ).update(started_at=timezone.now())
    if not claimed:
        raise PermissionDenied(refusal or _("Import {job} is already running.").format(job=job.pk))
    started = time.time()
    cache.set(progress_key(job.pk), (0, started), 24 * 3600)

    def progress(done: int) -> None:
        cache.set(progress_key(job.pk), (done, started), 24 * 3600)

    status = ImportJob.Status.PREVIEWED if dry_run else ImportJob.Status.DONE
    try:
        with job.file.open("rb") as handle:
            report = importer.run(
                actor=job.created_by,
                handle=handle,
                name=job.name,
                skip_invalid=job.skip_invalid,
                dry_run=dry_run,
                progress=progress,
                **job.options,
            ).as_dict()
    except ImportRejected as rejected:
        report = {**rejected.report, "errors": rejected.as_dicts()[:1000], "refused": True}
        report.setdefault("error_count", len(rejected.errors))
        status = ImportJob.Status.REFUSED
    except Exception as exc:
        report, status = {"failure": f"{type(exc).__name__}: {exc}"}, ImportJob.Status.FAILED
        ImportJob.objects.filter(pk=job.pk).update(status=status, report=report, finished_at=timezone.now())
        raise
    field = "preview" if dry_run else "report"
    ImportJob.objects.filter(pk=job.pk).update(status=status, finished_at=timezone.now(), **{field: report})
    job.refresh_from_db()
    return job
