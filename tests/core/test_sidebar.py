"""The sidebar leads to what a person may use: imports under Administration for those who may import."""

import re

import pytest

from apps.core.models import Role
from tests.core.factories import UserFactory

pytestmark = pytest.mark.django_db


def _sidebar_links(client, user) -> set[str]:
    client.force_login(user)
    page = client.get("/admin/").content.decode()
    return set(re.findall(r'href="(/admin/[^"]*)"', page))


@pytest.mark.parametrize("role", [Role.MERCHANDISER, Role.INTEGRATOR])
def test_people_who_may_import_find_imports_in_the_menu(client, role):
    user = UserFactory(username=f"imp-{role}", roles=[role], language="en")
    assert "/admin/core/importjob/" in _sidebar_links(client, user)
    page = client.get("/admin/").content.decode()
    assert re.search(r'href="/admin/core/importjob/"[^>]*>.*?Imports', page, re.S)


@pytest.mark.parametrize("role", [Role.MARKETER, Role.STORE_STAFF])
def test_people_who_may_not_import_see_no_imports_link(client, role):
    user = UserFactory(username=f"noimp-{role}", roles=[role], language="en")
    assert "/admin/core/importjob/" not in _sidebar_links(client, user)
