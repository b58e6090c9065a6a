"""Drafts asked of an OpenAI-compatible server on loopback, and the guard rails on what it answers."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from apps.assist import providers, services
from apps.assist.models import ChannelStyle, GlossaryTerm, Suggestion
from apps.core.models import AuditLog

pytestmark = pytest.mark.django_db

GOOD_EN = "A soft plush reindeer by Lutin, weighing 350 g, for children from 3 years old."


def draft(people, product, locale="en_GB", channel="web", **kwargs):
    return services.suggestion_draft(
        actor=people.merchandiser, product=product, locale=locale, channel=channel, **kwargs
    )


def test_a_good_draft_is_stored_pending_with_what_produced_it(chat, reindeer, people):
    chat.answer(GOOD_EN)
    suggestion = draft(people, reindeer)
    assert suggestion.status == Suggestion.Status.PENDING
    assert suggestion.text == GOOD_EN
    assert (suggestion.attribute, suggestion.locale, suggestion.channel) == ("description", "en_GB", "web")
    assert (suggestion.provider, suggestion.model, suggestion.prompt_version) == (
        "openai-compatible", "test-model", "draft-1",
    )  # fmt: skip
    assert suggestion.tokens == 120
    assert suggestion.inputs["facts"]["attributes"]["Brand"] == "Lutin"
    assert suggestion.flags == []
    reindeer.refresh_from_db()
    assert "en_GB" not in reindeer.values["description"]  # nothing written until a person accepts
    assert AuditLog.objects.filter(action="suggestion.create", object_code="TOY-1").exists()


def test_only_the_products_own_data_is_sent_with_the_key_from_settings(chat, reindeer, people):
    chat.answer(GOOD_EN)
    draft(people, reindeer)
    sent = chat.received[0]
    assert sent["path"] == "/v1/chat/completions"
    assert sent["auth"] == "Bearer sk-test"
    assert sent["body"]["model"] == "test-model"
    user = sent["body"]["messages"][1]["content"]
    assert "Plush reindeer" in user and "Lutin" in user and "350 g" in user
    assert "Polaris" not in user  # another product's data
    assert "TOY-2" not in user


def test_a_draft_inventing_a_number_is_refused_and_never_offered(chat, reindeer, people):
    chat.answer("A soft plush reindeer by Lutin, 25 cm tall, weighing 350 g, from 3 years old.")
    suggestion = draft(people, reindeer)
    assert suggestion.status == Suggestion.Status.REFUSED
    numbers = next(f for f in suggestion.flags if f["rule"] == "numbers")
    assert numbers == {"rule": "numbers", "values": ["25"], "blocking": True}


def test_a_draft_swapping_a_unit_is_refused(chat, reindeer, people):
    chat.answer("A soft plush reindeer by Lutin weighing 350 kg, for children from 3 years old.")
    suggestion = draft(people, reindeer)
    assert suggestion.status == Suggestion.Status.REFUSED
    assert {"rule": "units", "values": ["350 kg"], "blocking": True} in suggestion.flags


def test_a_draft_naming_another_products_brand_or_a_size_is_refused(chat, reindeer, people):
    chat.answer("A soft plush reindeer by Polaris, size XL, for children from 3 years old.")
    suggestion = draft(people, reindeer)
    rules = {f["rule"]: f for f in suggestion.flags}
    assert suggestion.status == Suggestion.Status.REFUSED
    assert rules["brands"]["values"] == ["Polaris"]
    assert rules["sizes"]["values"] == ["XL"]


def test_a_name_not_in_the_products_data_is_flagged_for_the_reviewer(chat, reindeer, people):
    chat.answer("A soft plush reindeer by Lutin, a friend of Rudolph, for children from 3 years old.")
    suggestion = draft(people, reindeer)
    assert suggestion.status == Suggestion.Status.PENDING
    assert {"rule": "names", "values": ["Rudolph"], "blocking": False} in suggestion.flags


def test_a_draft_in_the_wrong_language_is_refused(chat, reindeer, people):
    chat.answer("Un renne en peluche tout doux de la marque Lutin, pour les enfants dès 3 ans.")
    suggestion = draft(people, reindeer)
    assert suggestion.status == Suggestion.Status.REFUSED
    assert {"rule": "language", "values": ["fr", "en"], "blocking": True} in suggestion.flags


def test_html_is_stripped_to_what_the_channel_accepts(chat, reindeer, people, shop):
    ChannelStyle.objects.create(
        channel=shop.web, tone="factual", max_length=500, allowed_tags=["p", "strong"]
    )
    chat.answer(
        '<p onclick="x()">A <strong>soft</strong> plush reindeer by <em>Lutin</em>, for children from 3 years'
        " old.</p><script>alert(1)</script>"
    )
    suggestion = draft(people, reindeer)
    assert suggestion.text == (
        "<p>A <strong>soft</strong> plush reindeer by Lutin, for children from 3 years old.</p>"
    )
    assert {"rule": "html", "values": [], "blocking": False} in suggestion.flags


def test_plain_text_channels_get_no_markup(chat, reindeer, people):
    chat.answer("<b>Soft</b> plush reindeer by Lutin &amp; friends, for children from 3 years old.")
    assert (
        draft(people, reindeer).text
        == "Soft plush reindeer by Lutin & friends, for children from 3 years old."
    )


def test_a_draft_longer_than_the_channel_allows_is_cut_at_a_sentence_or_refused(chat, reindeer, people, shop):
    ChannelStyle.objects.create(channel=shop.web, max_length=60)
    chat.answer(
        "A soft plush reindeer by Lutin. For children from 3 years old, it weighs 350 g and loves hugs.",
        "A soft plush reindeer by Lutin for children from 3 years old weighing 350 g and more",
    )
    cut = draft(people, reindeer)
    assert cut.text == "A soft plush reindeer by Lutin."
    assert {"rule": "shortened", "values": ["94", "60"], "blocking": False} in cut.flags
    too_long = draft(people, reindeer)
    assert too_long.status == Suggestion.Status.REFUSED
    assert too_long.flags[-1]["rule"] == "length"


def test_the_channels_tone_and_limit_are_said_to_the_model(chat, reindeer, people, shop):
    ChannelStyle.objects.create(channel=shop.web, tone="lively and warm", max_length=300)
    chat.answer(GOOD_EN)
    draft(people, reindeer)
    system = chat.received[0]["body"]["messages"][0]["content"]
    assert "Tone: lively and warm." in system and "At most 300 characters." in system


def test_a_do_not_translate_name_rewritten_is_refused(chat, reindeer, people):
    GlossaryTerm.objects.create(locale_id="en_GB", term="Lutin", do_not_translate=True)
    chat.answer("A soft plush reindeer by Elf, for children from 3 years old.")
    suggestion = draft(people, reindeer)
    assert suggestion.status == Suggestion.Status.REFUSED
    assert {"rule": "do_not_translate", "values": ["Lutin"], "blocking": True} in suggestion.flags


def test_only_empty_fields_a_persons_text_is_never_overwritten(chat, reindeer, people):
    with pytest.raises(ValidationError, match="only empty fields"):
        draft(people, reindeer, locale="fr_FR")
    assert chat.received == []


def test_a_timeout_says_so_and_stores_nothing(chat, reindeer, people):
    chat.answers.append({"sleep": 3, "text": GOOD_EN})
    with pytest.raises(providers.ProviderError, match="did not answer within 1 s"):
        draft(people, reindeer)
    assert not Suggestion.objects.exists()


def test_a_429_says_when_to_retry_and_stores_nothing(chat, reindeer, people):
    chat.answers.append({"status": 429})
    with pytest.raises(providers.ProviderBusy, match="retry after 30 s") as caught:
        draft(people, reindeer)
    assert caught.value.retry_after == "30"
    assert not Suggestion.objects.exists()


def test_without_a_provider_the_feature_says_how_to_enable_it(no_provider, reindeer, people):
    with pytest.raises(providers.NotConfigured, match="NOEL_ASSIST_CHAT_URL"):
        draft(people, reindeer)


def test_a_marketer_may_not_ask_for_drafts(chat, reindeer, people):
    with pytest.raises(PermissionDenied):
        services.suggestion_draft(actor=people.marketer, product=reindeer, locale="en_GB", channel="web")
    assert chat.received == []
