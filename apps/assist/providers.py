"""Where suggested texts come from, chosen in settings: any OpenAI-compatible chat endpoint, and for
translations optionally a local machine-translation class. Noel never downloads model files: a local
translator loads the files its operator supplied."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import requests
from django.conf import settings
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _


class ProviderError(Exception):
    """The provider did not give a text: unreachable, timed out, busy, or an answer Noel cannot read."""


class ProviderBusy(ProviderError):
    """The provider refused for now (429): stop and try later, after `retry_after` seconds if it said."""

    def __init__(self, message: str, retry_after: str | None = None):
        super().__init__(message)
        self.retry_after = retry_after


class NotConfigured(ProviderError):
    """No provider is set: the feature says how to enable it."""


def how_to_enable() -> str:
    return _(
        "Content assistance is off: set NOEL_ASSIST_CHAT_URL and NOEL_ASSIST_CHAT_MODEL (an "
        "OpenAI-compatible server such as llama.cpp, Ollama or vLLM), or NOEL_ASSIST_TRANSLATOR for "
        "translations. See docs/assist.md."
    )


@dataclass(frozen=True)
class Reply:
    text: str
    tokens: int = 0


class Writer(Protocol):
    """Writes drafts: messages in, one text out."""

    name: str
    model: str

    def chat(self, messages: list[dict[str, str]]) -> Reply: ...


class Translator(Protocol):
    """Translates one text between two locales (codes such as fr_FR, en_GB)."""

    name: str
    model: str

    def translate(self, text: str, *, source: str, target: str, keep: list[str]) -> Reply: ...


class OpenAIChat:
    """A chat-completions endpoint (POST {base}/chat/completions), the shape llama.cpp's server, Ollama,
    vLLM and hosted services share."""

    name = "openai-compatible"

    def __init__(self, url: str, model: str, key: str = "", timeout: float = 60.0):
        self.url = url.rstrip("/") + "/chat/completions"
        self.model = model
        self.key = key
        self.timeout = timeout

    def chat(self, messages: list[dict[str, str]]) -> Reply:
        headers = {"Authorization": f"Bearer {self.key}"} if self.key else {}
        body = {"model": self.model, "messages": messages, "temperature": 0.2}
        try:
            response = requests.post(self.url, json=body, headers=headers, timeout=self.timeout)
        except requests.Timeout as exc:
            raise ProviderError(
                _("The model server did not answer within %(seconds)s s.") % {"seconds": f"{self.timeout:g}"}
            ) from exc
        except requests.RequestException as exc:
            raise ProviderError(_("The model server cannot be reached: %(error)s") % {"error": exc}) from exc
        if response.status_code == 429:
            retry = response.headers.get("Retry-After")
            raise ProviderBusy(
                _("The model server is busy (429 Too Many Requests); retry after %(seconds)s s.")
                % {"seconds": retry or "?"},
                retry,
            )
        if response.status_code >= 400:
            raise ProviderError(
                _("The model server refused the request (HTTP %(status)s).")
                % {"status": response.status_code}
            )
        try:
            payload = response.json()
            text = payload["choices"][0]["message"]["content"]
            tokens = int((payload.get("usage") or {}).get("total_tokens") or 0)
        except (ValueError, KeyError, IndexError, TypeError) as exc:
            raise ProviderError(_("The model server's answer is not a chat completion.")) from exc
        if not isinstance(text, str) or not text.strip():
            raise ProviderError(_("The model server answered an empty text."))
        return Reply(text.strip(), tokens)


LANGUAGE_NAMES = {"fr": "French", "en": "English", "de": "German", "es": "Spanish", "it": "Italian"}


def language_name(locale: str) -> str:
    return LANGUAGE_NAMES.get(locale[:2].lower(), locale)


TRANSLATE_PROMPT = "translate-1"


class ChatTranslator:
    """Translations through the chat endpoint, when no local translator is set."""

    def __init__(self, writer: OpenAIChat):
        self.writer = writer
        self.name = writer.name
        self.model = writer.model

    def translate(self, text: str, *, source: str, target: str, keep: list[str]) -> Reply:
        rules = (
            f"Translate the retail product text from {language_name(source)} to {language_name(target)}. "
            "Answer with the translation only. Keep every number, unit, size and name exactly as written; "
            "add nothing, leave nothing out."
        )
        if keep:
            rules += " Never translate these, copy them as they are: " + "; ".join(keep) + "."
        return self.writer.chat([{"role": "system", "content": rules}, {"role": "user", "content": text}])


def writer() -> OpenAIChat | None:
    """The chat provider, or None when none is set."""
    if not settings.NOEL_ASSIST_CHAT_URL:
        return None
    return OpenAIChat(
        settings.NOEL_ASSIST_CHAT_URL,
        settings.NOEL_ASSIST_CHAT_MODEL,
        settings.NOEL_ASSIST_CHAT_KEY,
        settings.NOEL_ASSIST_TIMEOUT,
    )


def translator() -> Any | None:
    """The local translator class when one is set (built with NOEL_ASSIST_TRANSLATOR_OPTIONS), else the
    chat provider, else None."""
    if settings.NOEL_ASSIST_TRANSLATOR:
        klass = import_string(settings.NOEL_ASSIST_TRANSLATOR)
        return klass(**settings.NOEL_ASSIST_TRANSLATOR_OPTIONS)
    chat = writer()
    return ChatTranslator(chat) if chat is not None else None


def enabled(kind: str) -> bool:
    return (writer() if kind == "draft" else translator()) is not None
