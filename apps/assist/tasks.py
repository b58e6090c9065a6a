"""Celery tasks of content assistance: thin wrappers over services."""

from celery import shared_task

from apps.core import context


@shared_task(name="assist.run_job")
def run_job(job_id: int) -> int:
    from apps.assist import services

    with context.bound(origin="task"):
        return services.job_run(job_id).done
