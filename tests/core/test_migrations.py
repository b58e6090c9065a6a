from io import StringIO

import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_models_and_migrations_agree():
    out = StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out)
    assert "No changes detected" in out.getvalue()


@pytest.mark.django_db
def test_a_flush_after_a_committing_test_leaves_the_database_as_migrate_left_it():
    """What TransactionTestCase runs after each `transaction=True` test and each live-server journey: the
    next test of that process must find the data migrations' rows (the rendition specs), the roles, locales,
    currencies and periodic jobs, as after `migrate`. (Inside this test's transaction: rolled back after.)"""
    from django.contrib.auth.models import Group

    from apps.assets.models import THUMBNAIL_SPEC, RenditionSpec
    from apps.stores.models import SCREEN_SPEC
    from tests.migration_data import MIGRATED, row_counts

    call_command("flush", verbosity=0, interactive=False, reset_sequences=False)

    assert set(RenditionSpec.objects.values_list("code", flat=True)) >= {THUMBNAIL_SPEC, SCREEN_SPEC}
    assert Group.objects.get(name="store_staff").permissions.filter(codename="use_store_page").exists()
    assert row_counts() == MIGRATED
