"""Locales and currencies are reference data: anyone in the admin may read and export them, only
administrators may import a file of them (django-import-export lets any staff member by default)."""

import pytest

from apps.core.models import Currency, Locale, Role
from tests.core.factories import UserFactory

pytestmark = pytest.mark.django_db

STAFF_ROLES = [Role.MERCHANDISER, Role.MARKETER, Role.APPROVER, Role.CHANNEL_MANAGER]


@pytest.mark.parametrize("role", STAFF_ROLES)
@pytest.mark.parametrize("model", ["locale", "currency"])
def test_only_administrators_import_locales_and_currencies(client, role, model):
    client.force_login(UserFactory(username=f"someone_{role}", roles=[role]))
    before = (Locale.objects.count(), Currency.objects.count())
    assert client.get(f"/admin/core/{model}/import/").status_code == 403
    assert client.post(f"/admin/core/{model}/import/", {"format": "0"}).status_code == 403
    assert client.post(f"/admin/core/{model}/process_import/", {"format": "0"}).status_code == 403
    assert client.get(f"/admin/core/{model}/export/").status_code == 200
    assert b"/import/" not in client.get(f"/admin/core/{model}/").content
    assert (Locale.objects.count(), Currency.objects.count()) == before


@pytest.mark.parametrize("model", ["locale", "currency"])
def test_an_administrator_imports_locales_and_currencies(client, model):
    client.force_login(UserFactory(username="ada", roles=[Role.ADMIN]))
    assert client.get(f"/admin/core/{model}/import/").status_code == 200
