"""Bulk: the product list's actions queue a Celery job that asks for suggestions product after product,
with its progress, a cap per job and a cap per day."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from apps.assist import providers, services
from apps.assist.models import AssistJob, Suggestion
from apps.products import services as product_services
from apps.products.models import Product

pytestmark = pytest.mark.django_db

GOOD_EN = "A soft plush toy by Lutin, for children from 3 years old."


@pytest.fixture
def start(django_capture_on_commit_callbacks):
    """Start a job as the admin's request would: its Celery task (eager here) is sent once the
    transaction commits."""

    def run(**kwargs) -> AssistJob:
        with django_capture_on_commit_callbacks(execute=True):
            job = services.job_start(**kwargs)
        job.refresh_from_db()
        return job

    return run


@pytest.fixture
def toys(reindeer, shop):
    """Three more toys with a brand, a French description for the web and no English one."""
    for n in range(3, 6):
        product_services.product_create(
            actor=None, sku=f"TOY-{n}", family=shop.toys, categories=["plush"],
            values={
                "name": {"fr_FR": {"*": f"Ours {n}"}},
                "brand": {"*": {"*": "Lutin"}},
                "age_min": {"*": {"*": 3}},
                "description": {"fr_FR": {"web": "Ours en peluche douce, dès 3 ans, marque Lutin."}},
            },
        )  # fmt: skip
    return Product.objects.filter(sku__in=["TOY-1", "TOY-3", "TOY-4", "TOY-5"]).order_by("sku")


def test_a_job_drafts_the_empty_descriptions_of_each_product_and_counts_its_progress(
    start, chat, toys, people
):
    chat.answer(*[GOOD_EN] * 8)
    job = start(actor=people.merchandiser, kind="draft", products=toys, locale="en_GB")
    assert job.status == AssistJob.Status.DONE
    assert (job.total, job.done) == (4, 4)
    # the web channel sells in English, Google (French only) does not
    assert job.suggested == 4 and job.calls == 4 and job.tokens == 4 * 120
    assert set(Suggestion.objects.values_list("channel", "locale")) == {("web", "en_GB")}


def test_a_job_refused_by_the_guard_rails_counts_them(start, chat, toys, people):
    chat.answer(GOOD_EN, "A soft plush toy by Lutin, 40 cm, for children from 3 years old.", GOOD_EN, GOOD_EN)
    job = start(actor=people.merchandiser, kind="draft", products=toys, locale="en_GB")
    assert (job.suggested, job.refused) == (3, 1)


def test_more_products_than_a_job_takes_are_refused_up_front(chat, toys, people, settings):
    settings.NOEL_ASSIST_MAX_PER_JOB = 3
    with pytest.raises(ValidationError, match="4 products chosen: a job takes at most 3"):
        services.job_start(actor=people.merchandiser, kind="draft", products=toys, locale="en_GB")
    assert not AssistJob.objects.exists() and chat.received == []


def test_the_daily_cap_stops_a_job_where_it_is_reached(start, chat, toys, people, settings):
    settings.NOEL_ASSIST_MAX_CALLS_PER_DAY = 2
    chat.answer(*[GOOD_EN] * 8)
    job = start(actor=people.merchandiser, kind="draft", products=toys, locale="en_GB")
    assert job.status == AssistJob.Status.STOPPED
    assert "cap of 2 provider calls" in job.message
    assert (job.done, job.calls) == (2, 2) and len(chat.received) == 2
    with pytest.raises(ValidationError, match="Today's cap"):
        services.job_start(actor=people.merchandiser, kind="draft", products=toys, locale="en_GB")


def test_a_busy_provider_stops_the_job_with_the_reason(start, chat, toys, people):
    chat.answer(GOOD_EN)
    chat.answers.append({"status": 429})
    job = start(actor=people.merchandiser, kind="draft", products=toys, locale="en_GB")
    assert job.status == AssistJob.Status.STOPPED
    assert "429" in job.message and (job.done, job.suggested, job.failed) == (1, 1, 1)


def test_a_timeout_counts_as_failed_and_the_job_goes_on(start, chat, toys, people):
    chat.answers.append({"sleep": 3, "text": GOOD_EN})
    chat.answer(GOOD_EN, GOOD_EN, GOOD_EN)
    job = start(actor=people.merchandiser, kind="draft", products=toys, locale="en_GB")
    assert job.status == AssistJob.Status.DONE
    assert (job.failed, job.suggested) == (1, 3)


def test_a_translation_job_translates_only_the_values_with_a_source_and_an_empty_target(
    start, chat, toys, people
):
    chat.answer(*["Soft plush bear, from 3 years old, by Lutin."] * 8)
    job = start(
        actor=people.merchandiser, kind="translation", products=toys, locale="en_GB", source_locale="fr_FR"
    )
    made = set(Suggestion.objects.values_list("product__sku", "attribute", "channel"))
    # TOY-1 has its English name already: only its description; the bears both
    assert made == {
        ("TOY-1", "description", "web"),
        *{(f"TOY-{n}", a, c) for n in (3, 4, 5) for a, c in (("name", "*"), ("description", "web"))},
    }
    assert job.calls == 7


def test_without_a_provider_no_job_starts(no_provider, toys, people):
    with pytest.raises(providers.NotConfigured):
        services.job_start(actor=people.merchandiser, kind="draft", products=toys, locale="en_GB")


def test_the_product_list_action_queues_the_job_and_links_to_it(
    chat, toys, people, client, django_capture_on_commit_callbacks
):
    chat.answer(*[GOOD_EN] * 8)
    client.force_login(people.merchandiser)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:products_product_changelist"),
            {"action": "suggest_descriptions", "_selected_action": [p.pk for p in toys]},
            follow=True,
        )
    job = AssistJob.objects.get()
    assert job.locale == "en_GB" and job.done == 4
    assert reverse("admin:assist_assistjob_change", args=[job.pk]) in response.content.decode()


def test_the_action_says_how_to_enable_the_assistant_when_off(no_provider, toys, people, client):
    client.force_login(people.merchandiser)
    response = client.post(
        reverse("admin:products_product_changelist"),
        {"action": "translate_to_english", "_selected_action": [p.pk for p in toys]},
        follow=True,
    )
    assert "NOEL_ASSIST_CHAT_URL" in response.content.decode()
    assert not AssistJob.objects.exists()


def test_the_actions_are_offered_to_those_who_change_products_only(people, client, reindeer):
    from django.contrib.admin.sites import site
    from django.test import RequestFactory

    model_admin = site._registry[Product]
    for user, offered in ((people.merchandiser, True), (people.approver, False), (people.marketer, False)):
        request = RequestFactory().get("/admin/")
        request.user = user
        assert ("translate_to_french" in model_admin.get_actions(request)) is offered, user
