import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError

from apps.core import services
from apps.core.models import AuditLog, Role, User
from apps.core.roles import sync_role_permissions

pytestmark = pytest.mark.django_db


def test_every_role_exists_as_a_group_after_migrate():
    assert set(Group.objects.values_list("name", flat=True)) >= {role.value for role in Role}


def test_roles_hold_the_permissions_their_apps_declare():
    approver = Group.objects.get(name=Role.APPROVER)
    perms = {
        f"{p.content_type.app_label}.{p.codename}"
        for p in approver.permissions.select_related("content_type")
    }
    assert "core.view_auditlog" in perms
    assert "core.change_locale" not in perms
    merch = Group.objects.get(name=Role.MERCHANDISER)
    assert not merch.permissions.filter(codename="view_auditlog").exists()


def test_sync_restores_a_permission_removed_by_hand():
    approver = Group.objects.get(name=Role.APPROVER)
    approver.permissions.clear()
    sync_role_permissions()
    assert approver.permissions.filter(codename="view_auditlog").exists()


def test_user_create_gives_roles_and_admin_access_except_to_api_only_roles():
    merch = services.user_create(username="margot", password="pw", roles=[Role.MERCHANDISER])
    erp = services.user_create(username="erp", password="pw", roles=[Role.INTEGRATOR])
    store = services.user_create(username="sam", password="pw", roles=[Role.STORE_STAFF])
    assert merch.is_staff and merch.has_role(Role.MERCHANDISER) and merch.has_perm("core.view_locale")
    assert not erp.is_staff and not store.is_staff
    assert AuditLog.objects.filter(action="user.create", object_code="margot").exists()


def test_user_create_refuses_a_username_that_differs_only_by_case():
    services.user_create(username="Margot", password="pw", roles=[Role.MERCHANDISER])
    with pytest.raises(ValidationError, match="already exists"):
        services.user_create(username="margot", password="pw", roles=[Role.MARKETER])
    assert User.objects.count() == 1


def test_user_set_language_is_kept_and_audited():
    user = services.user_create(username="arthur", password="pw", roles=[Role.APPROVER])
    services.user_set_language(user=user, language="fr")
    user.refresh_from_db()
    assert user.language == "fr"
    assert AuditLog.objects.get(action="user.set_language").diff == {"language": ["", "fr"]}


def test_user_set_language_refuses_an_unknown_language():
    user = services.user_create(username="arthur", password="pw", roles=[Role.APPROVER])
    with pytest.raises(ValidationError, match="xx"):
        services.user_set_language(user=user, language="xx")
