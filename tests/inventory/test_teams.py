"""Stock as a team limited to the Toys subtree: its lists show only toys' rows, and a person of such a
team who may count stock counts only toys."""

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.core.batches import BatchRejected
from apps.inventory import services
from apps.inventory.models import StockLevel
from apps.products import services as product_services
from tests.inventory.factories import LocationFactory
from tests.teams_helpers import toys_team


@pytest.fixture
def team(shop):
    team = toys_team(shop)
    LocationFactory(code="WH")
    lines = [services.StockLine(sku, "WH", quantity=5) for sku in ("TOY-1", "DECO-1")]
    services.stock_apply_batch(actor=None, lines=lines)
    return team


def on_hand(sku: str) -> int:
    return StockLevel.objects.get(product__sku=sku).on_hand


def test_the_stock_lists_show_only_the_teams_rows(client, team):
    client.force_login(team.user)
    levels = client.get("/admin/inventory/stocklevel/")
    assert "TOY-1" in levels.content.decode() and "DECO-1" not in levels.content.decode()
    movements = client.get("/admin/inventory/stockmovement/").context["cl"].queryset
    assert {m.level.product.sku for m in movements} == {"TOY-1"}


def test_a_team_member_who_counts_stock_counts_only_their_products(team):
    team.user.user_permissions.add(Permission.objects.get(codename="change_stocklevel"))
    lines = [services.StockLine("TOY-1", "WH", quantity=7), services.StockLine("DECO-1", "WH", quantity=7)]
    with pytest.raises(BatchRejected) as caught:
        services.stock_apply_batch(actor=team.user, lines=lines)
    assert [(e.index, e.sku, e.field) for e in caught.value.errors] == [(1, "DECO-1", "sku")]
    assert "DECO-1 is not in your categories (toys)" in caught.value.errors[0].message
    assert on_hand("TOY-1") == on_hand("DECO-1") == 5


def test_people_without_team_grants_see_every_row(client, shop, team):
    client.force_login(shop.merchandiser)
    assert "DECO-1" in client.get("/admin/inventory/stocklevel/").content.decode()


@pytest.mark.parametrize("url", ["/admin/inventory/stocklevel/", "/admin/inventory/stockmovement/"])
def test_the_stock_lists_of_a_team_cost_the_same_queries_for_more_rows(client, shop, team, url):
    client.force_login(team.user)

    def cost() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    few = cost()
    for n in range(10):
        product_services.product_create(actor=None, sku=f"TOY-X{n}", family=shop.toys, categories=["toys"])
    services.stock_apply_batch(
        actor=None, lines=[services.StockLine(f"TOY-X{n}", "WH", quantity=1) for n in range(10)]
    )
    assert cost() == few
