"""Scheduled jobs and task results are for administrators only, and a task that acts for a person checks
that person's rights and the object's state when it runs: its arguments are never trusted."""

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.core.models import AuditLog, ImportJob, Role
from apps.exchange import jobs
from apps.exchange.tasks import import_job_run
from apps.products.models import Product
from tests.core.factories import UserFactory

BEAT_URLS = [
    "/admin/django_celery_beat/periodictask/",
    "/admin/django_celery_beat/periodictask/add/",
    "/admin/django_celery_beat/crontabschedule/",
    "/admin/django_celery_beat/intervalschedule/add/",
    "/admin/django_celery_beat/clockedschedule/",
    "/admin/django_celery_beat/solarschedule/",
    "/admin/django_celery_results/taskresult/",
    "/admin/django_celery_results/groupresult/",
]


@pytest.mark.parametrize("role", [r for r in Role if r != Role.ADMIN])
def test_no_role_but_administrator_holds_a_scheduled_job_or_task_result_permission(db, role):
    user = UserFactory(username=f"u-{role}", roles=[role])
    held = [p for p in user.get_all_permissions() if p.split(".")[0].startswith("django_celery")]
    assert held == []


@pytest.mark.parametrize("url", BEAT_URLS)
def test_scheduled_jobs_and_task_results_are_refused_to_a_channel_manager(client, db, url):
    client.force_login(UserFactory(username="chloe", roles=[Role.CHANNEL_MANAGER]))
    assert client.get(url).status_code == 403


def test_scheduled_jobs_are_refused_even_to_someone_granted_their_permissions_by_hand(client, db):
    from django.contrib.auth.models import Permission

    user = UserFactory(username="chloe", roles=[Role.CHANNEL_MANAGER])
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="django_celery_beat"))
    client.force_login(user)
    assert client.get("/admin/django_celery_beat/periodictask/add/").status_code == 403
    assert "django_celery_beat" not in client.get("/admin/").content.decode()


@pytest.mark.parametrize("url", BEAT_URLS)
def test_an_administrator_opens_scheduled_jobs_and_task_results(client, db, url):
    client.force_login(UserFactory(username="ada", roles=[Role.ADMIN]))
    assert client.get(url).status_code == 200


def previewed_import(shop, django_capture_on_commit_callbacks) -> ImportJob:
    upload = SimpleUploadedFile("products.csv", b"sku;family\nTOY-1;toys\n", "text/csv")
    with django_capture_on_commit_callbacks(execute=True):
        job = jobs.import_job_create(actor=shop.merchandiser, kind="products", upload=upload)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.PREVIEWED
    return job


def test_the_import_task_refuses_to_apply_an_unconfirmed_import(shop, django_capture_on_commit_callbacks):
    job = previewed_import(shop, django_capture_on_commit_callbacks)
    with pytest.raises(PermissionDenied):
        import_job_run(job.pk, False)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.PREVIEWED and not Product.objects.exists()


def test_the_import_task_refuses_an_import_confirmed_by_someone_who_may_no_longer_import(
    shop, django_capture_on_commit_callbacks
):
    job = previewed_import(shop, django_capture_on_commit_callbacks)
    jobs.import_job_confirm(actor=shop.merchandiser, job=job)  # queued, not yet run
    shop.merchandiser.groups.clear()
    with pytest.raises(PermissionDenied):
        import_job_run(job.pk, False)
    assert not Product.objects.exists()


def test_the_import_task_does_not_preview_again_an_applied_import(shop, django_capture_on_commit_callbacks):
    job = previewed_import(shop, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        jobs.import_job_confirm(actor=shop.merchandiser, job=job)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE
    with pytest.raises(PermissionDenied):
        import_job_run(job.pk, True)  # would set it back to "previewed", ready to be confirmed twice
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE


def test_someone_who_may_not_import_cannot_confirm_an_import(shop, django_capture_on_commit_callbacks):
    job = previewed_import(shop, django_capture_on_commit_callbacks)
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        jobs.import_job_confirm(actor=UserFactory(username="carl", roles=[Role.CHANNEL_MANAGER]), job=job)
    assert not AuditLog.objects.filter(action="import.confirm").exists()


def test_a_confirmed_import_still_runs(shop, django_capture_on_commit_callbacks):
    job = previewed_import(shop, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        jobs.import_job_confirm(actor=shop.merchandiser, job=job)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE and job.confirmed_by == shop.merchandiser
    assert Product.objects.filter(sku="TOY-1").exists()


def test_a_picture_fetch_for_someone_without_asset_rights_is_refused(shop):
    from apps.assets import tasks as asset_tasks
    from apps.assets.models import Asset

    carl = UserFactory(username="carl", roles=[Role.CHANNEL_MANAGER])
    with pytest.raises(PermissionDenied):
        asset_tasks.media_fetch([["TOY-1", "http://example.invalid/a.jpg", True]], carl.pk)
    assert not Asset.objects.exists()
