"""Roles are shown by their names in the person's language ("Channel manager"), never by the group's code
("channel_manager"): the user list, its filter, the user form and the group list (#42)."""

import re

import pytest

from apps.core.models import Role
from tests.core.factories import UserFactory

pytestmark = pytest.mark.django_db


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_user_list_and_form_show_roles_by_name(client):
    admin = UserFactory(username="ada", roles=[Role.ADMIN])
    chris = UserFactory(username="chris", roles=[Role.CHANNEL_MANAGER, Role.STORE_STAFF])
    client.force_login(admin)
    listed = client.get("/admin/core/user/").content.decode()
    row = _text(next(r for r in listed.split("<tr") if ">chris<" in r))
    assert "Channel manager, Store staff" in row and "channel_manager" not in row
    form = client.get(f"/admin/core/user/{chris.pk}/change/").content.decode()
    assert re.search(r"<option[^>]*>\s*Channel manager\s*</option>", form)
    groups = _text(client.get("/admin/auth/group/").content.decode())
    assert "Channel manager" in groups


def test_the_user_list_filter_names_roles(client):
    client.force_login(UserFactory(username="ada", roles=[Role.ADMIN]))
    page = client.get("/admin/core/user/").content.decode()
    assert "Channel manager" in _text(page)
    assert not re.search(r">\s*channel_manager\s*<", page)
