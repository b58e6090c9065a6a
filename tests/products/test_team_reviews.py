"""The review services themselves (submit, approve, send back, retire) refuse a product outside the
person's category team, whatever path calls them: the admin and API lists in front are not the only check."""

import pytest
from django.core.exceptions import PermissionDenied
from guardian.shortcuts import assign_perm

from apps.core.models import Role
from apps.products import services
from apps.products.models import Category, Product
from tests.core.factories import UserFactory
from tests.teams_helpers import toys_team

pytestmark = pytest.mark.django_db


@pytest.fixture
def team(shop):
    team = toys_team(shop)
    team.approver = UserFactory(username="toys_approver", roles=[Role.APPROVER])
    assign_perm("products.edit_products_in", team.approver, Category.objects.get(code="toys"))
    return team


def _status(product):
    return Product.objects.get(pk=product.pk).status


def test_a_team_member_cannot_submit_or_retire_another_teams_product(team):
    before = _status(team.deco)
    with pytest.raises(PermissionDenied, match="DECO-1"):
        services.product_submit(actor=team.user, product=team.deco)
    with pytest.raises(PermissionDenied, match="DECO-1"):
        services.product_retire(actor=team.user, product=team.deco)
    assert _status(team.deco) == before
    assert services.product_submit(actor=team.user, product=team.toy).status == "in_review"


def test_a_team_approver_cannot_approve_or_send_back_another_teams_product(shop, team):
    services.product_submit(actor=shop.merchandiser, product=team.deco)
    with pytest.raises(PermissionDenied, match="DECO-1"):
        services.product_approve(actor=team.approver, product=team.deco)
    with pytest.raises(PermissionDenied, match="DECO-1"):
        services.product_reject(actor=team.approver, product=team.deco, comment="no")
    assert _status(team.deco) == "in_review"
