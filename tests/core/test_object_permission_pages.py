"""Object permissions (a merchandiser team's categories, a channel manager's channels) are granted by
administrators only: django-guardian's pages answer 403 to everyone else, who do not see their link."""

import pytest
from guardian.shortcuts import assign_perm, get_perms

from apps.core.models import Role
from apps.products.models import Category
from tests.core.factories import UserFactory
from tests.products.factories import category


@pytest.fixture
def limited(shop):
    """Margot works on toys only, Chloe on the web channel only."""
    category("chocolate", Category.objects.get(code="christmas"))
    assign_perm("products.edit_products_in", shop.merchandiser, Category.objects.get(code="toys"))
    chloe = UserFactory(username="chloe", roles=[Role.CHANNEL_MANAGER])
    assign_perm("core.manage_channel", chloe, shop.web)
    shop.chloe = chloe
    return shop


def pages(prefix: str, pk: int, user_pk: int, group_pk: int) -> list[str]:
    return [
        f"{prefix}{pk}/permissions/",
        f"{prefix}{pk}/permissions/user-manage/{user_pk}/",
        f"{prefix}{pk}/permissions/group-manage/{group_pk}/",
    ]


def test_a_team_limited_merchandiser_cannot_grant_themselves_another_category(client, limited):
    from django.contrib.auth.models import Group

    margot = limited.merchandiser
    chocolate = Category.objects.get(code="chocolate")
    group = Group.objects.get(name=Role.MERCHANDISER)
    client.force_login(margot)
    for url in pages("/admin/products/category/", chocolate.pk, margot.pk, group.pk):
        assert client.get(url).status_code == 403, url
        assert client.post(url, {"permissions": ["edit_products_in"]}).status_code == 403, url
    assert "edit_products_in" not in get_perms(margot, chocolate)
    assert get_perms(group, chocolate) == []


def test_a_channel_limited_manager_cannot_grant_themselves_another_channel(client, limited):
    from django.contrib.auth.models import Group

    chloe, google = limited.chloe, limited.google
    group = Group.objects.get(name=Role.CHANNEL_MANAGER)
    client.force_login(chloe)
    for url in pages("/admin/core/channel/", google.pk, chloe.pk, group.pk):
        assert client.get(url).status_code == 403, url
        assert client.post(url, {"permissions": ["manage_channel"]}).status_code == 403, url
    assert "manage_channel" not in get_perms(chloe, google)


def test_the_object_permissions_link_is_shown_to_administrators_only(client, limited):
    client.force_login(limited.merchandiser)
    toys = Category.objects.get(code="toys")
    page = client.get(f"/admin/products/category/{toys.pk}/change/")
    assert page.status_code == 200 and "/permissions/" not in page.content.decode()
    client.force_login(UserFactory(username="ada", roles=[Role.ADMIN], is_superuser=True))
    page = client.get(f"/admin/products/category/{toys.pk}/change/").content.decode()
    assert f"/admin/products/category/{toys.pk}/permissions/" in page
    page = client.get(f"/admin/core/channel/{limited.google.pk}/change/").content.decode()
    assert f"/admin/core/channel/{limited.google.pk}/permissions/" in page


def test_an_administrator_grants_a_channel_to_a_manager(client, limited):
    client.force_login(UserFactory(username="ada", roles=[Role.ADMIN]))
    url = f"/admin/core/channel/{limited.google.pk}/permissions/user-manage/{limited.chloe.pk}/"
    assert client.get(url).status_code == 200
    assert client.post(url, {"permissions": ["manage_channel"]}).status_code == 302
    assert "manage_channel" in get_perms(limited.chloe, limited.google)
