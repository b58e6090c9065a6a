"""A merchandiser limited to the Toys subtree creates products only in toys, moves products only
between toys' categories, and a product of theirs stays in toys: through the API, the admin form, the
bulk action and the product import. Without grants, a merchandiser moves any product anywhere."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.core.models import AuditLog
from apps.core.services import api_token_create
from apps.exchange.flat.imports import products_import
from apps.exchange.tabular import ImportRejected
from apps.products import services
from apps.products.models import Category, Product
from tests.teams_helpers import toys_team

URL = "/admin/products/product/"


@pytest.fixture
def team(shop):
    return toys_team(shop)


@pytest.fixture
def api(client, team):
    raw = api_token_create(actor=None, user=team.user, name="t", scopes=["read", "write"])[1]
    auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}

    def call(method: str, url: str, body: dict):
        return getattr(client, method)(
            f"/api/v1/products{url}", body, content_type="application/json", **auth
        )

    return call


def categories(sku: str) -> list[str]:
    return Product.objects.get(sku=sku).categories


@pytest.mark.parametrize(
    ("given", "words"),
    [
        (["decorations"], "NEW-1: decorations is not one of your categories (toys)"),
        (["toys", "decorations"], "NEW-1: decorations is not one of your categories (toys)"),
        ([], "NEW-1: a product you create needs one of your categories (toys)"),
    ],
)
def test_the_api_creates_products_only_in_the_teams_categories(api, team, given, words):
    response = api("post", "", {"sku": "NEW-1", "family": "toys", "categories": given})
    assert response.status_code == 422 and response.json()["message"] == words
    assert response.json()["field"] == "categories"
    assert not Product.objects.filter(sku="NEW-1").exists()


def test_the_api_creates_a_product_in_a_subcategory_of_the_team(api, team):
    assert api("post", "", {"sku": "NEW-1", "family": "toys", "categories": ["plush"]}).status_code == 201


@pytest.mark.parametrize(
    ("given", "words"),
    [
        (["decorations"], "decorations is not one of your categories"),
        (["toys", "decorations"], "decorations is not one of your categories"),
        ([], "TOY-1: the product would leave your categories (toys)"),
    ],
)
def test_the_api_moves_a_product_only_within_the_team(api, team, given, words):
    response = api("patch", "/TOY-1", {"version": 1, "categories": given})
    assert response.status_code == 422 and words in response.json()["message"]
    assert categories("TOY-1") == ["toys"]
    assert api("patch", "/TOY-1", {"version": 1, "categories": ["plush"]}).status_code == 200
    assert categories("TOY-1") == ["plush"]


def test_the_admin_add_form_offers_and_accepts_only_the_teams_categories(client, shop, team):
    client.force_login(team.user)
    page = client.get(f"{URL}add/").content.decode()
    assert 'value="toys"' in page and 'value="plush"' in page and 'value="decorations"' not in page
    data = {"sku": "NEW-1", "family": shop.toys.pk, "enabled": "on", "categories": ["decorations"]}
    response = client.post(f"{URL}add/", data)
    assert response.status_code == 200 and not Product.objects.filter(sku="NEW-1").exists()
    assert client.post(f"{URL}add/", {**data, "categories": ["toys"]}).status_code == 302
    assert categories("NEW-1") == ["toys"]


def test_the_admin_change_form_refuses_to_move_a_product_out_of_the_team(client, team):
    client.force_login(team.user)
    form = client.get(f"{URL}{team.toy.pk}/change/")
    assert 'value="decorations"' not in form.content.decode()
    data = {**form.context["adminform"].form.initial, "categories": ["decorations"], "expected_version": 1}
    data = {k: v for k, v in data.items() if v is not None and not hasattr(v, "pk")}
    data.update({"sku": "TOY-1", "family": team.toy.family_id, "enabled": "on"})
    response = client.post(f"{URL}{team.toy.pk}/change/", data)
    assert response.status_code == 200 and "decorations" in response.content.decode()
    assert categories("TOY-1") == ["toys"]


def test_the_product_list_of_a_team_costs_the_same_queries_for_more_rows(client, shop, team):
    client.force_login(team.user)

    def cost() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(URL).status_code == 200
        return len(queries)

    few = cost()
    for n in range(10):
        services.product_create(actor=None, sku=f"TOY-X{n}", family=shop.toys, categories=["plush"])
    assert cost() == few


def test_the_bulk_action_adds_only_the_teams_categories(client, team):
    client.force_login(team.user)
    page = client.get(URL).content.decode()
    assert 'value="plush"' in page and 'value="decorations"' not in page
    pks = [team.toy.pk, team.plush.pk]
    response = client.post(
        URL, {"action": "add_to_category", "_selected_action": pks, "category": "decorations"}, follow=True
    )
    assert "decorations is not one of your categories (toys)" in response.content.decode()
    assert (categories("TOY-1"), categories("PLUSH-1")) == (["toys"], ["plush"])


def run(actor, text: str):
    return products_import(actor=actor, handle=io.BytesIO(text.encode()), name="products.csv")


@pytest.mark.parametrize(
    ("row", "words"),
    [
        ("TOY-1;toys;decorations", "TOY-1: decorations is not one of your categories (toys)"),
        ("TOY-1;toys;", "TOY-1: the product would leave your categories (toys)"),
        ("NEW-1;toys;decorations", "NEW-1: decorations is not one of your categories (toys)"),
        ("NEW-1;toys;", "NEW-1: a product you create needs one of your categories (toys)"),
        ("DECO-1;toys;decorations,toys", "DECO-1 is not in your categories (toys): you may not change it"),
    ],
)
def test_an_import_moves_and_creates_only_within_the_team_and_all_or_nothing(team, row, words):
    before = Product.objects.count(), AuditLog.objects.count()
    with pytest.raises(ImportRejected) as caught:
        run(team.user, f"sku;family;categories\nPLUSH-2;toys;plush\n{row}\n")
    error = caught.value.errors[0]
    assert (error.row, error.column, error.reason) == (3, "categories", words)
    assert (Product.objects.count(), AuditLog.objects.count()) == before
    assert (categories("TOY-1"), categories("DECO-1")) == (["toys"], ["decorations"])


def test_a_merchandiser_without_team_grants_moves_any_product(shop, team):
    report = run(shop.merchandiser, "sku;family;categories\nTOY-1;toys;decorations\nDECO-1;toys;toys\n")
    assert report.updated == 2
    assert (categories("TOY-1"), categories("DECO-1")) == (["decorations"], ["toys"])


CATEGORIES = "/admin/products/category/"


def test_a_team_creates_and_moves_categories_only_inside_its_subtrees(client, team):
    client.force_login(team.user)
    decorations, plush = Category.objects.get(code="decorations"), Category.objects.get(code="plush")
    page = client.get(f"{CATEGORIES}add/").content.decode()
    assert 'value="plush"' in page and 'value="decorations"' not in page
    tinsel = {"code": "tinsel", "labels": "{}", "parent_code": "decorations"}
    assert client.post(f"{CATEGORIES}add/", tinsel).status_code == 200
    moved = {"code": "decorations", "labels": "{}", "parent_code": "toys"}
    assert client.post(f"{CATEGORIES}{decorations.pk}/change/", moved).status_code == 403
    out = {"code": "plush", "labels": "{}", "parent_code": "decorations"}
    response = client.post(f"{CATEGORIES}{plush.pk}/change/", out)
    assert "plush: it must go under one of your categories (toys)" in response.content.decode()
    assert not Category.objects.filter(code="tinsel").exists()
    assert (Category.objects.get(code="decorations").depth, Category.objects.get(code="plush").depth) == (
        2,
        3,
    )
    client.post(f"{CATEGORIES}add/", {"code": "teddies", "labels": "{}", "parent_code": "plush"})
    assert Category.objects.get(code="teddies").depth == 4


def test_the_category_services_refuse_a_move_out_of_the_team(team):
    plush, decorations = Category.objects.get(code="plush"), Category.objects.get(code="decorations")
    with pytest.raises(ValidationError, match="plush: it must go under one of your categories"):
        services.category_move(actor=team.user, category=plush, parent=decorations)
    with pytest.raises(ValidationError, match="decorations is not one of your categories"):
        services.category_move(actor=team.user, category=decorations, parent=plush)
    with pytest.raises(ValidationError, match="tinsel: it must go under one of your categories"):
        services.category_create(actor=team.user, code="tinsel", parent=None)
    assert (
        Category.objects.get(code="plush").depth == 3 and not Category.objects.filter(code="tinsel").exists()
    )


def test_a_team_cannot_grant_categories_on_the_object_permission_pages(client, team):
    client.force_login(team.user)
    for code in ("decorations", "toys"):
        category = Category.objects.get(code=code)
        assert client.get(f"{CATEGORIES}{category.pk}/permissions/").status_code == 403
        url = f"{CATEGORIES}{category.pk}/permissions/user-manage/{team.user.pk}/"
        client.post(url, {"permissions": ["edit_products_in"]})
    fresh = type(team.user).objects.get(pk=team.user.pk)
    assert not fresh.has_perm("products.edit_products_in", Category.objects.get(code="decorations"))
