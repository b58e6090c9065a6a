"""A merchandiser team that owns the Toys subtree sees and changes only toys: in the admin, the API
and exports alike."""

import pytest
from guardian.shortcuts import assign_perm

from apps.core.models import Role
from apps.core.services import api_token_create
from apps.products import services
from apps.products.models import Category, Product
from tests.core.factories import UserFactory
from tests.products.fixtures import texts

URL = "/admin/products/product/"


@pytest.fixture
def teams(shop):
    for sku, category in (("PLUSH-1", "plush"), ("TOY-1", "toys"), ("DECO-1", "decorations")):
        services.product_create(
            actor=None, sku=sku, family=shop.toys, categories=[category], values={"name": texts(sku)}
        )
    toys_team = UserFactory(username="toys_team", roles=[Role.MERCHANDISER])
    assign_perm("products.edit_products_in", toys_team, Category.objects.get(code="toys"))
    return toys_team


def test_the_team_lists_only_products_of_its_subtree(client, teams):
    client.force_login(teams)
    body = client.get(URL).content.decode()
    assert "PLUSH-1" in body and "TOY-1" in body and "DECO-1" not in body


def test_the_team_cannot_open_or_change_another_teams_product(client, teams):
    client.force_login(teams)
    deco = Product.objects.get(sku="DECO-1")
    assert client.get(f"{URL}{deco.pk}/change/").status_code in (302, 404)
    assert client.get(f"{URL}{deco.pk}/versions/").status_code == 404


def test_the_team_exports_only_its_products(client, teams):
    client.force_login(teams)
    pks = list(Product.objects.values_list("pk", flat=True))
    response = client.post(
        URL, {"action": "export_selection", "_selected_action": pks, "apply": "1", "file_format": "csv",
              "delimiter": ";"}
    )  # fmt: skip
    skus = [line.split(";")[0] for line in b"".join(response.streaming_content).decode().splitlines()[1:]]
    assert sorted(skus) == ["PLUSH-1", "TOY-1"]


def test_the_api_applies_the_same_limits(client, teams):
    raw = api_token_create(actor=None, user=teams, name="t", scopes=["read", "write"])[1]
    auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    skus = [item["sku"] for item in client.get("/api/v1/products", **auth).json()["items"]]
    assert skus == ["PLUSH-1", "TOY-1"]
    assert client.get("/api/v1/products/DECO-1", **auth).status_code == 404
    patch = client.patch(
        "/api/v1/products/DECO-1", {"version": 1, "enabled": False}, content_type="application/json", **auth
    )
    assert patch.status_code == 404 and Product.objects.get(sku="DECO-1").enabled


def test_people_without_team_grants_keep_the_whole_catalog(client, teams, shop):
    client.force_login(shop.merchandiser)
    assert "DECO-1" in client.get(URL).content.decode()


def test_grants_are_given_on_the_category_in_the_admin(admin_client, teams):
    toys = Category.objects.get(code="toys")
    page = admin_client.get(f"/admin/products/category/{toys.pk}/permissions/")
    assert page.status_code == 200 and "toys_team" in page.content.decode()
