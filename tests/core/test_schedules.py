"""The beat schedule holds every job the apps declare, made by `migrate`, and keeps what a person changed."""

import pytest
from django.core.management import call_command
from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask

from apps.core.schedules import Periodic, declared_periodic_tasks, periodic_tasks_ensure
from config.celery import app


def test_migrate_puts_every_declared_job_in_the_beat_schedule(db):
    declared = {job.name: job.task for job in declared_periodic_tasks()}
    assert len(declared) >= 6
    assert dict(PeriodicTask.objects.filter(name__in=declared).values_list("name", "task")) == declared


def test_every_declared_job_names_a_task_the_worker_knows():
    app.loader.import_default_modules()
    unknown = [job.task for job in declared_periodic_tasks() if job.task not in app.tasks]
    assert unknown == []


def test_a_cron_job_runs_in_the_projects_time_zone_and_an_interval_job_at_its_interval(db):
    nightly = PeriodicTask.objects.get(name="Check data quality of the whole catalog")
    assert (nightly.crontab.minute, nightly.crontab.hour) == ("30", "2")
    assert str(nightly.crontab.timezone) == "Europe/Paris"
    feeds = PeriodicTask.objects.get(name="Build feeds with changes")
    assert (feeds.interval.every, feeds.interval.period) == (1, IntervalSchedule.MINUTES)


def test_a_schedule_a_person_changed_is_kept_by_the_next_migrate(db):
    job = PeriodicTask.objects.get(name="Check data quality of the whole catalog")
    job.crontab, _ = CrontabSchedule.objects.get_or_create(minute="0", hour="4", timezone="Europe/Paris")
    job.enabled = False
    job.save()
    periodic_tasks_ensure()
    job.refresh_from_db()
    assert (job.crontab.hour, job.enabled) == ("4", False)


def test_a_deleted_job_comes_back_with_the_next_migrate(transactional_db):
    PeriodicTask.objects.filter(name="Start and end campaigns").delete()
    call_command("migrate", verbosity=0)
    assert PeriodicTask.objects.filter(name="Start and end campaigns", task="campaigns.tick").exists()


def test_a_job_is_declared_with_one_timing():
    with pytest.raises(ValueError, match="either every or cron"):
        Periodic("nothing", "x.y")
