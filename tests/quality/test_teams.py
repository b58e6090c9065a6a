"""A merchandiser limited to a category team sees the quality findings and scores of their team's products
only: the admin lists, the pages of one finding or score, the re-check action and the API."""

import pytest
from django.utils import timezone

from apps.core.services import api_token_create
from apps.quality.models import Finding, ProductScore
from tests.api_helpers import bearer
from tests.teams_helpers import toys_team

pytestmark = pytest.mark.django_db


@pytest.fixture
def team(shop):
    team = toys_team(shop)
    now = timezone.now()
    team.findings = {
        p.sku: Finding.objects.create(
            rule="matrix", category="text", severity="warning", product=p, message=f"about {p.sku}",
            first_seen=now, last_seen=now,
        )
        for p in (team.toy, team.deco)
    }  # fmt: skip
    for p in (team.toy, team.deco):
        ProductScore.objects.create(product=p, checked_at=now)
    return team


def test_the_findings_and_scores_lists_show_the_teams_products_only(client, team):
    client.force_login(team.user)
    findings = client.get("/admin/quality/finding/")
    assert [f.product.sku for f in findings.context["cl"].result_list] == ["TOY-1"]
    scores = client.get("/admin/quality/productscore/")
    assert [s.product.sku for s in scores.context["cl"].result_list] == ["TOY-1"]


def test_another_teams_finding_and_score_do_not_open(client, team):
    client.force_login(team.user)
    deco = team.findings["DECO-1"]
    for url in (
        f"/admin/quality/finding/{deco.pk}/change/",
        f"/admin/quality/finding/{deco.pk}/history/",
        f"/admin/quality/productscore/{team.deco.pk}/change/",
        f"/admin/quality/productscore/{team.deco.pk}/history/",
    ):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"] == "/admin/", url
    assert client.get(f"/admin/quality/finding/{team.findings['TOY-1'].pk}/change/").status_code == 200


def test_the_api_gives_a_team_token_its_products_quality_only(client, team):
    raw = api_token_create(actor=None, user=team.user, name="team", scopes=["read"])[1]
    listed = client.get("/api/v1/quality/findings", **bearer(raw)).json()
    assert {f["sku"] for f in listed["items"]} == {"TOY-1"}
    assert client.get("/api/v1/quality/products/DECO-1", **bearer(raw)).status_code == 404
    assert client.get("/api/v1/quality/products/TOY-1", **bearer(raw)).status_code == 200
