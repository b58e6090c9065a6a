"""The review queue in the admin: suggestions beside their source, decided one by one (edited first if
wished) or by the page, in the person's language; read-only for approvers, hidden from other teams."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from guardian.shortcuts import assign_perm

from apps.assist import services
from apps.assist.models import Suggestion
from apps.core.models import Role
from apps.products import services as product_services
from apps.products.models import Category, Product
from tests.core.factories import UserFactory

pytestmark = pytest.mark.django_db

GOOD_EN = "A soft plush reindeer by Lutin, weighing 350 g, for children from 3 years old."
QUEUE = reverse("admin:assist_suggestion_changelist")


def suggest(chat, product, people, text=GOOD_EN, channel="web"):
    chat.answer(text)
    return services.suggestion_draft(
        actor=people.merchandiser, product=product, locale="en_GB", channel=channel
    )


def change_url(suggestion):
    return reverse("admin:assist_suggestion_change", args=[suggestion.pk])


def test_the_queue_shows_each_suggestion_beside_its_source_and_its_flags(chat, reindeer, people, client):
    suggest(chat, reindeer, people, "A soft plush reindeer by Lutin, a friend of Rudolph, from 3 years old.")
    client.force_login(people.merchandiser)
    page = client.get(QUEUE).content.decode()
    assert "Rudolph" in page and "names not in the product&#x27;s data (check them): Rudolph" in page
    assert "<strong>Brand</strong>: Lutin" in page  # the facts the draft was written from


def test_the_queue_costs_the_same_queries_for_one_or_many(chat, reindeer, people, client):
    client.force_login(people.merchandiser)
    suggest(chat, reindeer, people)
    client.get(QUEUE)
    with CaptureQueriesContext(connection) as one:
        client.get(QUEUE)
    for channel in ("google", "web", "web"):
        suggest(chat, reindeer, people, channel=channel)
    with CaptureQueriesContext(connection) as four:
        client.get(QUEUE)
    assert len(four) == len(one)


def test_accept_an_edited_text_from_its_page(chat, reindeer, people, client):
    suggestion = suggest(chat, reindeer, people)
    client.force_login(people.merchandiser)
    edited = "A soft plush reindeer by Lutin, for children from 3 years old."
    response = client.post(change_url(suggestion), {"text": edited, "decision": "accept", "reason": ""})
    assert response.status_code == 302
    assert Product.objects.get(pk=reindeer.pk).values["description"]["en_GB"]["web"] == edited
    assert Suggestion.objects.get(pk=suggestion.pk).edited


def test_a_stale_suggestion_is_said_on_its_page_and_nothing_changes(chat, reindeer, people, client):
    suggestion = suggest(chat, reindeer, people)
    product_services.product_update(
        actor=people.merchandiser2, product=reindeer, expected_version=reindeer.version,
        changes={"values": {"description": {"en_GB": {"web": "Written by Malik."}}}},
    )  # fmt: skip
    client.force_login(people.merchandiser)
    response = client.post(change_url(suggestion), {"text": suggestion.text, "decision": "accept"})
    assert response.status_code == 200
    assert "changed since this suggestion was made" in response.content.decode()
    assert Product.objects.get(pk=reindeer.pk).values["description"]["en_GB"]["web"] == "Written by Malik."


def test_accept_a_page_at_once(chat, reindeer, people, client):
    first = suggest(chat, reindeer, people)
    second = suggest(chat, reindeer, people, channel="google")
    client.force_login(people.merchandiser)
    response = client.post(
        QUEUE, {"action": "accept_selected", "_selected_action": [first.pk, second.pk]}, follow=True
    )
    assert "2 suggestion(s) accepted." in response.content.decode()
    assert set(Suggestion.objects.values_list("status", flat=True)) == {"accepted"}


def test_the_approver_reads_a_suggestion_but_may_not_decide(chat, reindeer, people, client):
    suggestion = suggest(chat, reindeer, people)
    client.force_login(people.approver)
    page = client.get(change_url(suggestion))
    assert page.status_code == 200 and 'name="decision"' not in page.content.decode()
    client.post(change_url(suggestion), {"text": "x", "decision": "accept"})
    assert Suggestion.objects.get(pk=suggestion.pk).status == Suggestion.Status.PENDING
    response = client.post(QUEUE, {"action": "accept_selected", "_selected_action": [suggestion.pk]})
    assert Suggestion.objects.get(pk=suggestion.pk).status == Suggestion.Status.PENDING
    assert response.status_code in (200, 302)


def test_another_teams_suggestions_are_hidden(chat, reindeer, people, client):
    suggestion = suggest(chat, reindeer, people)
    team = UserFactory(username="deco", roles=[Role.MERCHANDISER])
    assign_perm("products.edit_products_in", team, Category.objects.get(code="decorations"))
    client.force_login(team)
    assert "TOY-1" not in client.get(QUEUE).content.decode()
    assert client.get(change_url(suggestion)).status_code == 302  # to the admin's home: not theirs
    client.post(QUEUE, {"action": "accept_selected", "_selected_action": [suggestion.pk]})
    assert Suggestion.objects.get(pk=suggestion.pk).status == Suggestion.Status.PENDING


def test_a_decision_sent_from_a_second_tab_is_told_who_decided(chat, reindeer, people, client):
    suggestion = suggest(chat, reindeer, people)
    services.suggestion_accept(actor=people.merchandiser2, suggestion=suggestion)
    version = Product.objects.get(pk=reindeer.pk).version
    client.force_login(people.merchandiser)
    response = client.post(change_url(suggestion), {"text": "x", "decision": "reject"}, follow=True)
    assert "already accepted (malik" in response.content.decode()
    assert Suggestion.objects.get(pk=suggestion.pk).status == Suggestion.Status.ACCEPTED
    assert Product.objects.get(pk=reindeer.pk).version == version
