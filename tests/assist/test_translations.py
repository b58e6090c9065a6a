"""Translations, through the chat server or through a local machine-translation class plugged in
settings: here a phrasebook translator that reads the files its operator supplied, as a CTranslate2 or
Argos model would."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import ValidationError

from apps.assist import services
from apps.assist.models import GlossaryTerm, Suggestion
from apps.products import services as product_services

pytestmark = pytest.mark.django_db

SOURCE = "Renne en peluche douce de 350 g, dès 3 ans, marque Lutin."


class PhrasebookTranslator:
    """Translates whole sentences it finds in the operator's phrasebook file; loads nothing else."""

    name = "phrasebook"

    def __init__(self, path: str):
        with open(path, encoding="utf-8") as handle:
            self.book = json.load(handle)
        self.model = f"phrasebook:{len(self.book)}"

    def translate(self, text: str, *, source: str, target: str, keep: list[str]):
        from apps.assist.providers import Reply

        PhrasebookTranslator.last_keep = keep
        return Reply(self.book[f"{source}>{target}"][text])


@pytest.fixture
def phrasebook(settings, tmp_path):
    path = tmp_path / "phrasebook.json"

    def use(book: dict[str, str], direction: str = "fr_FR>en_GB") -> None:
        path.write_text(json.dumps({direction: book}), encoding="utf-8")
        settings.NOEL_ASSIST_CHAT_URL = ""
        settings.NOEL_ASSIST_TRANSLATOR = "tests.assist.test_translations.PhrasebookTranslator"
        settings.NOEL_ASSIST_TRANSLATOR_OPTIONS = {"path": str(path)}

    return use


def translate(people, product, attribute="description", channel="web", **kwargs):
    return services.suggestion_translate(
        actor=people.merchandiser, product=product, attribute=attribute, source_locale="fr_FR",
        locale="en_GB", channel=channel, **kwargs,
    )  # fmt: skip


def test_a_local_translator_plugged_in_settings_gives_the_translation(phrasebook, reindeer, people):
    phrasebook({SOURCE: "Soft plush reindeer of 350 g, from 3 years old, by Lutin."})
    suggestion = translate(people, reindeer)
    assert suggestion.status == Suggestion.Status.PENDING
    assert suggestion.kind == Suggestion.Kind.TRANSLATION
    assert (suggestion.provider, suggestion.model) == ("phrasebook", "phrasebook:1")
    assert (suggestion.source_locale, suggestion.source_text) == ("fr_FR", SOURCE)
    assert suggestion.flags == []


def test_the_local_translators_output_passes_the_same_guard_rails(phrasebook, reindeer, people):
    phrasebook({SOURCE: "Soft plush reindeer of 450 g, from 3 years old, by Lutin."})
    suggestion = translate(people, reindeer)
    assert suggestion.status == Suggestion.Status.REFUSED
    assert {"rule": "numbers", "values": ["450"], "blocking": True} in suggestion.flags


def test_do_not_translate_names_are_passed_to_the_translator_and_checked(phrasebook, reindeer, people):
    GlossaryTerm.objects.create(locale_id="en_GB", term="Lutin", do_not_translate=True)
    phrasebook({SOURCE: "Soft plush reindeer of 350 g, from 3 years old, by Elf."})
    suggestion = translate(people, reindeer)
    assert PhrasebookTranslator.last_keep == ["Lutin"]
    assert suggestion.status == Suggestion.Status.REFUSED
    assert {"rule": "do_not_translate", "values": ["Lutin"], "blocking": True} in suggestion.flags


def test_the_glossary_wording_not_used_is_flagged(phrasebook, reindeer, people):
    GlossaryTerm.objects.create(locale_id="en_GB", term="peluche", translation="cuddly toy")
    phrasebook({SOURCE: "Soft plush reindeer of 350 g, from 3 years old, by Lutin."})
    suggestion = translate(people, reindeer)
    assert suggestion.status == Suggestion.Status.PENDING
    assert {"rule": "glossary", "values": ["peluche → cuddly toy"], "blocking": False} in suggestion.flags


def test_through_the_chat_server_the_translation_is_asked_with_the_names_to_keep(chat, reindeer, people):
    GlossaryTerm.objects.create(locale_id="en_GB", term="Lutin", do_not_translate=True)
    chat.answer("Soft plush reindeer of 350 g, from 3 years old, by Lutin.")
    suggestion = translate(people, reindeer)
    assert suggestion.status == Suggestion.Status.PENDING
    assert suggestion.prompt_version == "translate-1"
    system, user = chat.received[0]["body"]["messages"]
    assert "from French to English" in system["content"] and "Lutin" in system["content"]
    assert user["content"] == SOURCE


def test_a_translation_in_the_source_language_is_refused(chat, reindeer, people):
    chat.answer(SOURCE)
    suggestion = translate(people, reindeer)
    assert suggestion.status == Suggestion.Status.REFUSED
    assert {"rule": "language", "values": ["fr", "en"], "blocking": True} in suggestion.flags


def test_nothing_to_translate_is_said(phrasebook, reindeer, people):
    phrasebook({})
    with pytest.raises(ValidationError, match="no description in fr_FR"):
        translate(people, reindeer, channel="google")


def test_a_filled_target_is_left_to_its_author(phrasebook, reindeer, people):
    phrasebook({"Renne en peluche": "Plush reindeer"})
    product_services.product_update(
        actor=people.merchandiser, product=reindeer, expected_version=reindeer.version,
        changes={"values": {"name": {"en_GB": {"*": "Reindeer by a person"}}}},
    )  # fmt: skip
    with pytest.raises(ValidationError, match="never overwritten"):
        translate(people, reindeer, attribute="name", channel="*")
