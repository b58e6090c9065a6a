"""Import jobs. Thin: each calls a service."""

from celery import shared_task

from apps.exchange import jobs


# the name is the one queued messages and stored results already carry
@shared_task(name="core.import_job_run")
def import_job_run(job_id: int, dry_run: bool) -> str:
    """Preview (dry run) or apply an uploaded import file."""
    return jobs.import_job_run(job_id=job_id, dry_run=dry_run).status
