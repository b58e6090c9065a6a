"""The suggestions API: integrators list, bring (their own model's texts, judged by the same guard
rails), accept and reject."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.assist import services
from apps.assist.models import Suggestion
from apps.core.models import Channel, Role
from apps.products.models import Product
from tests.api_helpers import bearer, token_for

pytestmark = pytest.mark.django_db

URL = "/api/v1/suggestions"
GOOD_EN = "A soft plush reindeer by Lutin, weighing 350 g, for children from 3 years old."


def bring(client, token, **fields):
    body = {"sku": "TOY-1", "attribute": "description", "locale": "en_GB", "channel": "web", "text": GOOD_EN,
            "model": "erp-llm-7b", "prompt_version": "erp-3", **fields}  # fmt: skip
    return client.post(URL, body, content_type="application/json", **bearer(token))


def test_an_integrator_brings_its_own_models_text_kept_pending_with_its_origin(client, reindeer):
    response = bring(client, token_for())
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["status"], body["provider"], body["model"], body["prompt_version"]) == (
        "pending", "api:erp", "erp-llm-7b", "erp-3",
    )  # fmt: skip
    assert body["base_version"] == reindeer.version


def test_a_brought_text_inventing_a_number_is_refused_with_the_reason(client, reindeer):
    response = bring(
        client, token_for(), text="A soft plush reindeer by Lutin, 25 cm tall, from 3 years old."
    )
    assert response.status_code == 422
    assert "numbers not in the product's data: 25" in response.json()["message"]
    assert not Suggestion.objects.exists()


def test_a_brought_text_for_a_filled_value_is_refused(client, reindeer):
    response = bring(client, token_for(), locale="fr_FR", text="Renne doux de la marque Lutin, dès 3 ans.")
    assert response.status_code == 422 and "never overwritten" in response.json()["message"]


def test_accept_writes_the_product_and_a_second_accept_is_refused(client, reindeer):
    token = token_for()
    made = bring(client, token).json()
    accepted = client.post(f"{URL}/{made['id']}/accept", {}, content_type="application/json", **bearer(token))
    assert accepted.status_code == 200 and accepted.json()["status"] == "accepted"
    assert Product.objects.get(pk=reindeer.pk).values["description"]["en_GB"]["web"] == GOOD_EN
    again = client.post(f"{URL}/{made['id']}/accept", {}, content_type="application/json", **bearer(token))
    assert again.status_code == 422 and "already accepted" in again.json()["message"]


def test_accept_with_an_edited_text(client, reindeer):
    token = token_for()
    made = bring(client, token).json()
    edited = "A soft plush reindeer by Lutin, for children from 3 years old."
    response = client.post(
        f"{URL}/{made['id']}/accept", {"text": edited}, content_type="application/json", **bearer(token)
    )
    assert response.status_code == 200 and response.json()["text"] == edited


def test_reject(client, reindeer):
    token = token_for()
    made = bring(client, token).json()
    response = client.post(
        f"{URL}/{made['id']}/reject", {"reason": "off tone"}, content_type="application/json", **bearer(token)
    )
    assert response.status_code == 200 and response.json()["status"] == "rejected"


def test_a_read_only_token_lists_but_may_not_decide(client, reindeer):
    made = bring(client, token_for()).json()
    reader = token_for(scopes=("read",), username="reader")
    assert client.get(URL, **bearer(reader)).status_code == 200
    response = client.post(
        f"{URL}/{made['id']}/accept", {}, content_type="application/json", **bearer(reader)
    )
    assert response.status_code == 403


def test_a_token_limited_to_a_channel_sees_and_brings_only_its_values(client, reindeer, shop):
    made = bring(client, token_for()).json()  # for the web
    google_only = token_for(channels=[Channel.objects.get(code="google")], username="gmc")
    assert client.get(URL, **bearer(google_only)).json()["items"] == []
    accept = client.post(
        f"{URL}/{made['id']}/accept", {}, content_type="application/json", **bearer(google_only)
    )
    assert accept.status_code == 404
    assert bring(client, google_only, channel="web").status_code == 403


def test_a_store_or_marketer_token_is_refused(client, reindeer):
    marketer = token_for(roles=(Role.MARKETER,), username="mkt")
    assert client.get(URL, **bearer(marketer)).status_code == 403
    assert bring(client, marketer).status_code == 403


def test_the_list_pages_in_a_fixed_number_of_queries(client, chat, reindeer, people):
    chat.answer(*[GOOD_EN] * 6)
    for _ in range(6):
        services.suggestion_draft(actor=people.merchandiser, product=reindeer, locale="en_GB", channel="web")
    token = token_for()
    client.get(URL, **bearer(token))  # the token's first use is recorded once
    with CaptureQueriesContext(connection) as queries:
        first = client.get(f"{URL}?limit=4&status=pending", **bearer(token)).json()
    assert len(first["items"]) == 4 and first["next_after"]
    with CaptureQueriesContext(connection) as more:
        client.get(f"{URL}?limit=200", **bearer(token))
    assert len(more) == len(queries)
    rest = client.get(f"{URL}?limit=4&after={first['next_after']}", **bearer(token)).json()
    assert len(rest["items"]) == 2 and rest["next_after"] is None
