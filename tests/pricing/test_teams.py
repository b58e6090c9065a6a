"""A merchandiser limited to the Toys subtree prices only toys, whichever way they try: the price list
(its form, bulk edit), the API batch, a price file through the import page; and sees only their rows."""

import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.core.models import ImportJob
from apps.core.services import api_token_create
from apps.exchange.flat.prices import prices_import
from apps.exchange.tabular import ImportRejected
from apps.pricing import services
from apps.pricing.models import EffectivePrice, Price
from apps.products import services as product_services
from tests.teams_helpers import toys_team

URL = "/admin/pricing/price/"


@pytest.fixture
def team(shop):
    team = toys_team(shop)
    for product in (team.toy, team.plush, team.deco):
        services.price_set(actor=None, product=product, channel=shop.web, amount="20")
    return team


def amount(sku: str) -> Decimal:
    return Price.objects.get(product__sku=sku).amount


def test_the_price_list_shows_only_the_teams_rows(client, team):
    client.force_login(team.user)
    body = client.get(URL).content.decode()
    assert "TOY-1" in body and "PLUSH-1" in body and "DECO-1" not in body
    effective = client.get("/admin/pricing/effectiveprice/").content.decode()
    assert "TOY-1" in effective and "DECO-1" not in effective


@pytest.mark.parametrize("url", [URL, "/admin/pricing/effectiveprice/"])
def test_the_price_lists_of_a_team_cost_the_same_queries_for_more_rows(client, shop, team, url):
    client.force_login(team.user)

    def cost() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    few = cost()
    for n in range(10):
        toy = product_services.product_create(
            actor=None, sku=f"TOY-X{n}", family=shop.toys, categories=["toys"]
        )
        services.price_set(actor=None, product=toy, channel=shop.web, amount="5")
    assert cost() == few


def test_another_teams_price_cannot_be_opened_or_changed(client, team):
    client.force_login(team.user)
    price = Price.objects.get(product=team.deco)
    assert client.get(f"{URL}{price.pk}/change/").status_code in (302, 404)
    client.post(
        f"{URL}{price.pk}/change/", {"product": team.deco.pk, "channel": price.channel_id, "amount": "21"}
    )
    assert amount("DECO-1") == Decimal("20")


def test_the_price_form_refuses_another_teams_product_naming_it(client, shop, team):
    client.force_login(team.user)
    mine = Price.objects.get(product=team.toy)
    data = {"product": team.deco.pk, "channel": shop.web.pk, "amount": "21", "compare_at": "", "cost": ""}
    for url in (f"{URL}add/", f"{URL}{mine.pk}/change/"):
        response = client.post(url, data)
        assert response.status_code == 200
        assert "DECO-1 is not in your categories (toys)" in response.content.decode()
    assert amount("DECO-1") == Decimal("20") and amount("TOY-1") == Decimal("20")


def test_bulk_edit_leaves_another_teams_prices_alone(client, team):
    client.force_login(team.user)
    pks = list(Price.objects.values_list("pk", flat=True))
    client.post(URL, {"action": "bulk_edit", "_selected_action": pks, "operation": "raise", "value": "10"})
    assert (amount("TOY-1"), amount("DECO-1")) == (Decimal("22"), Decimal("20"))


def test_the_bulk_edit_service_refuses_the_whole_selection_naming_the_sku(team):
    with pytest.raises(ValidationError) as caught:
        services.prices_bulk_edit(
            actor=team.user, prices=Price.objects.select_related("product", "channel"), operation="raise",
            value="10",
        )  # fmt: skip
    assert "DECO-1 is not in your categories (toys)" in " ".join(caught.value.messages)
    assert amount("TOY-1") == amount("DECO-1") == Decimal("20")


def test_the_api_batch_refuses_another_teams_line_and_applies_nothing(client, team):
    raw = api_token_create(actor=None, user=team.user, name="t", scopes=["read", "write"])[1]
    lines = [
        {"sku": "TOY-1", "channel": "web", "amount": "21"},
        {"sku": "DECO-1", "channel": "web", "amount": "21"},
    ]
    response = client.post(
        "/api/v1/prices/batch", {"lines": lines}, content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {raw}",
    )  # fmt: skip
    assert response.status_code == 422
    message = "DECO-1 is not in your categories (toys): you may not change it"
    assert response.json()["details"]["lines"] == [
        {"index": 1, "sku": "DECO-1", "field": "sku", "message": message}
    ]
    assert amount("TOY-1") == amount("DECO-1") == Decimal("20")


def test_a_partial_batch_applies_the_teams_lines_only(team):
    lines = [services.PriceLine("TOY-1", "web", "21"), services.PriceLine("DECO-1", "web", "21")]
    result = services.prices_apply_batch(actor=team.user, lines=lines, partial=True)
    assert result["applied"] == 1 and result["errors"][0]["sku"] == "DECO-1"
    assert (amount("TOY-1"), amount("DECO-1")) == (Decimal("21"), Decimal("20"))


def test_a_single_price_set_for_another_team_is_refused(shop, team):
    with pytest.raises(ValidationError, match="DECO-1 is not in your categories"):
        services.price_set(actor=team.user, product=team.deco, channel=shop.web, amount="21")
    assert amount("DECO-1") == Decimal("20")


def xlsx(rows) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("prices.csv", b"sku;channel;amount\nTOY-1;web;21\nDECO-1;web;21\n"),
        (
            "prices.xlsx",
            xlsx([["sku", "channel", "amount"], ["TOY-1", "web", "21"], ["DECO-1", "web", "21"]]),
        ),
    ],
)
def test_a_price_file_with_another_teams_row_is_refused_whole(team, name, data):
    with pytest.raises(ImportRejected) as caught:
        prices_import(actor=team.user, handle=io.BytesIO(data), name=name)
    error = caught.value.errors[0]
    assert (error.row, error.column, error.sku) == (3, "sku", "DECO-1")
    assert "not in your categories (toys)" in error.reason
    assert amount("TOY-1") == amount("DECO-1") == Decimal("20")


def test_the_import_page_refuses_another_teams_prices(client, team, django_capture_on_commit_callbacks):
    client.force_login(team.user)
    upload = SimpleUploadedFile("prices.csv", b"sku;channel;amount\nDECO-1;web;21\n", "text/csv")
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/admin/core/importjob/add/", {"kind": "prices", "file": upload})
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.REFUSED and "DECO-1" in str(job.preview["errors"])
    assert amount("DECO-1") == Decimal("20")


def test_a_merchandiser_without_team_grants_prices_every_product(client, shop, team):
    lines = [services.PriceLine("TOY-1", "web", "21"), services.PriceLine("DECO-1", "web", "21")]
    assert services.prices_apply_batch(actor=shop.merchandiser, lines=lines)["applied"] == 2
    client.force_login(shop.merchandiser)
    assert "DECO-1" in client.get(URL).content.decode()
    assert EffectivePrice.objects.filter(product=team.deco).exists()
