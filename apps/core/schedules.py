"""The periodic jobs Noel runs, declared in one place per app and put in the beat schedule after every
`migrate`.

Each app lists its jobs on its AppConfig (`periodic_tasks`). A job missing from the schedule is created;
one that exists keeps the timing a person gave it in the admin ("Scheduled jobs") and only follows the
code for which task it runs. Deleting a job in the admin lasts until the next `migrate`: disable it
instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True)
class Periodic:
    """A job in the beat schedule: every `every`, or on a cron (`minute hour day month weekday`, in
    TIME_ZONE)."""

    name: str
    task: str
    every: timedelta | None = None
    cron: str | None = None

    def __post_init__(self) -> None:
        if (self.every is None) == (self.cron is None):
            raise ValueError(f"{self.name}: give either every or cron")


def declared_periodic_tasks() -> list[Periodic]:
    from django.apps import apps

    return [job for config in apps.get_app_configs() for job in getattr(config, "periodic_tasks", ())]


def _interval(every: timedelta) -> tuple[int, str]:
    seconds = int(every.total_seconds())
    for period, size in (("days", 86400), ("hours", 3600), ("minutes", 60)):
        if seconds % size == 0:
            return seconds // size, period
    return seconds, "seconds"


def periodic_tasks_ensure() -> None:
    from django_celery_beat.models import IntervalSchedule, PeriodicTask

    for job in declared_periodic_tasks():
        existing = PeriodicTask.objects.filter(name=job.name).first()
        if existing:
            if existing.task != job.task:
                existing.task = job.task
                existing.save(update_fields=["task"])
            continue
        if job.every is not None:
            every, period = _interval(job.every)
            interval, _ = IntervalSchedule.objects.get_or_create(every=every, period=period)
            PeriodicTask.objects.create(name=job.name, task=job.task, interval=interval)
        else:
            PeriodicTask.objects.create(name=job.name, task=job.task, crontab=crontab_for(job.cron))


def crontab_for(cron: str):
    """The beat's crontab of a checked five-field cron string (`minute hour day month weekday`), in
    TIME_ZONE: every schedule Noel makes runs in the project's time zone."""
    from django.conf import settings
    from django_celery_beat.models import CrontabSchedule

    minute, hour, day, month, weekday = cron.split()
    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute=minute,
        hour=hour,
        day_of_month=day,
        month_of_year=month,
        day_of_week=weekday,
        timezone=settings.TIME_ZONE,
    )
    return crontab
