"""The findings list and its filters, the product form's findings and score, the re-check actions, the
API (findings with filters, a product's score) and the home page panel, each in bounded queries."""

import pytest

from apps.core.models import Role
from apps.quality.models import Finding
from tests.api_helpers import bearer, token_for
from tests.quality.helpers import check, descriptions, good

LIST = "/admin/quality/finding/"


@pytest.fixture
def faulty(feeds):
    products = [
        good(feeds, f"BAD-{n}", description=descriptions(f"Lorem ipsum <i>{n}</i>")) for n in range(6)
    ]
    check(*products)
    return products


@pytest.mark.parametrize(
    "query",
    ["", "?rule__exact=forbidden_words", "?severity__exact=blocking", "?state=open", "?state=resolved",
     "?category__exact=text", "?q=BAD-1"],
)  # fmt: skip
def test_the_findings_list_filters_in_bounded_queries(
    faulty, admin_client, django_assert_max_num_queries, query
):
    with django_assert_max_num_queries(12):
        response = admin_client.get(LIST + query)
    assert response.status_code == 200
    shown = list(response.context["cl"].result_list)
    if query != "?state=resolved":
        assert "BAD-1" in response.content.decode() and shown
    if query == "?rule__exact=forbidden_words":
        assert {f.rule for f in shown} == {"forbidden_words"}


def test_the_channel_filter_keeps_that_channels_findings(faulty, feeds, admin_client):
    response = admin_client.get(f"{LIST}?channel__id__exact={feeds.shop.google.pk}")
    assert {f.channel_id for f in response.context["cl"].result_list} == {feeds.shop.google.pk}


def test_the_product_form_shows_its_findings_and_score(faulty, admin_client):
    response = admin_client.get(f"/admin/products/product/{faulty[0].pk}/change/")
    page = response.content.decode()
    assert "Open quality findings" in page and "forbidden words" in page
    assert "Quality score" in page


def test_the_recheck_action_closes_what_was_fixed(faulty, admin_client):
    Finding.objects.filter(rule="forbidden_words").update(message="stale")
    selected = list(Finding.objects.filter(rule="forbidden_words").values_list("pk", flat=True)[:2])
    response = admin_client.post(LIST, {"action": "recheck_selected", "_selected_action": selected})
    assert response.status_code == 302
    assert Finding.objects.filter(pk__in=selected).exclude(message="stale").count() == 2


def test_the_product_list_offers_the_recheck(faulty, admin_client):
    response = admin_client.post(
        "/admin/products/product/", {"action": "recheck_quality", "_selected_action": [faulty[0].pk]}
    )
    assert response.status_code == 302


def test_the_home_page_shows_blocking_findings_per_channel(faulty, admin_client):
    page = admin_client.get("/admin/").content.decode()
    assert "Data quality" in page and "blocking on google" in page and "forbidden_words" in page


def test_the_api_lists_findings_with_filters_in_constant_queries(
    faulty, client, django_assert_max_num_queries
):
    headers = bearer(token_for(roles=[Role.INTEGRATOR], scopes=["read"]))
    # +2: the person's category team (django-guardian grants), looked up once per request
    with django_assert_max_num_queries(8):
        small = client.get("/api/v1/quality/findings?limit=2&rule=forbidden_words", **headers).json()
    with django_assert_max_num_queries(8):
        large = client.get("/api/v1/quality/findings?limit=200", **headers).json()
    assert len(small["items"]) == 2 and {i["rule"] for i in small["items"]} == {"forbidden_words"}
    assert len(large["items"]) > 2 and large["next_before"] is None
    following = client.get(
        f"/api/v1/quality/findings?limit=2&rule=forbidden_words&before={small['next_before']}", **headers
    )
    assert {i["id"] for i in following.json()["items"]}.isdisjoint({i["id"] for i in small["items"]})
    google = client.get("/api/v1/quality/findings?channel=google&severity=blocking", **headers).json()
    assert google["items"] and {i["channel"] for i in google["items"]} == {"google"}


def test_the_api_gives_a_products_score_and_findings(faulty, client, django_assert_max_num_queries):
    headers = bearer(token_for(roles=[Role.INTEGRATOR], scopes=["read"]))
    with django_assert_max_num_queries(9):
        body = client.get("/api/v1/quality/products/BAD-1", **headers).json()
    assert body["score"] < 100 and body["blocking"] >= 1 and body["channels"]["google"] < 100
    assert "forbidden_words" in {f["rule"] for f in body["findings"]}
    scores = client.get("/api/v1/quality/channels", **headers).json()
    assert scores["scores"]["google"] < 100 and scores["blocking"]["google"] >= 1


def test_the_api_needs_the_read_scope(faulty, client):
    headers = bearer(token_for(roles=[Role.INTEGRATOR], scopes=["write"]))
    assert client.get("/api/v1/quality/findings", **headers).status_code == 403


def test_the_product_forms_score_reads_per_channel_not_as_json(faulty, feeds, admin_client):
    product = faulty[0]
    response = admin_client.get(f"/admin/products/product/{product.pk}/change/")
    page = response.content.decode()
    score = product.quality_score
    google = score.channels["google"]
    assert f"{feeds.shop.google.name} {google}" in page
    assert '"google":' not in page and "{&quot;google&quot;" not in page
    assert f"{product.pk}: {score.score}" not in page  # no database id as a row title


def test_the_product_forms_score_says_it_is_being_rechecked_after_a_change(faulty, admin_client):
    from django.utils import timezone

    product = faulty[0]
    type(product).objects.filter(pk=product.pk).update(updated_at=timezone.now())
    page = admin_client.get(f"/admin/products/product/{product.pk}/change/").content.decode()
    assert "being re-checked" in page
