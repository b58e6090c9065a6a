"""Messages written to the database by jobs (quality findings, items a feed held back) and read later by
people in their own language. A job has no reader: it stores the English text (for the API, exports and
logs) together with its parts, each an untranslated template and its parameters; the admin says the
parts again with gettext when someone reads them. A row stored before the parts were kept, or whose
template no longer fits its parameters, shows its English text as it was stored."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.utils.translation import gettext


class Said(str):
    """An English message that remembers how it was made: `parts`, ready to be stored beside it."""

    parts: list[dict[str, Any]]


def said(template: str, **params: Any) -> Said:
    """`template % params` in English, remembering both. Mark the template with gettext_noop so that it
    reaches the translation catalogue; give parameters already formatted (numbers, dates) as strings."""
    text = Said(template % params if params else template)
    text.parts = [{"code": template, "params": _plain(params)}]
    return text


def joined(items: Iterable[tuple[str, str]], separator: str = "; ") -> Said:
    """Several messages in one, each after its label ("description: is required; price: …")."""
    items = list(items)
    text = Said(separator.join(f"{label}: {message}" for label, message in items))
    text.parts = [
        {**part, "label": label}
        for label, message in items
        for part in (parts_of(message) or [{"code": "", "params": {}, "text": str(message)}])
    ]
    return text


def remembered(message: str, parts: list[dict[str, Any]] | None) -> str:
    """A message read back from the database, with the parts it was stored with (to store it again)."""
    if not parts:
        return message
    text = Said(message)
    text.parts = list(parts)
    return text


def parts_of(message: Any) -> list[dict[str, Any]]:
    """The parts a message remembers (none for a plain string)."""
    return list(getattr(message, "parts", None) or [])


def readable(parts: Iterable[Mapping[str, Any]] | None, stored: str, separator: str = "; ") -> str:
    """The message in the current language from its stored parts, else the stored English text."""
    shown = []
    for part in parts or ():
        code, params = part.get("code") or "", part.get("params") or {}
        try:
            params = {key: _said_again(value) for key, value in params.items()}
            text = (
                (gettext(code) % params if params else gettext(code)) if code else str(part.get("text", ""))
            )
        except (KeyError, TypeError, ValueError):  # a template changed since the row was stored
            return stored
        shown.append(f"{part['label']}: {text}" if part.get("label") else text)
    return separator.join(shown) if shown else stored


def _said_again(value: Any) -> Any:
    """A parameter that is itself a message (a role's name, a finding's message…) in the current language."""
    if isinstance(value, dict) and "parts" in value:
        return readable(value["parts"], value.get("text", ""))
    return value


def _plain(params: Mapping[str, Any]) -> dict[str, Any]:
    def plain(value: Any) -> Any:
        if isinstance(value, Said):
            return {"parts": value.parts, "text": str(value)}
        return value if isinstance(value, int | float | str) else str(value)

    return {key: plain(value) for key, value in params.items()}
