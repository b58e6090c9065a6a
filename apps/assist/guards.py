"""The guard rails every suggestion passes before a person sees it. Each finding is a flag; a blocking one
refuses the suggestion (numbers, units, sizes or brands the product's data does not hold, the wrong
language, a name that must not be translated translated anyway, a text too long to be cut cleanly)."""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import nh3
from django.utils.translation import gettext as _
from langdetect import DetectorFactory, LangDetectException, detect_langs

DetectorFactory.seed = 0  # the same text gets the same verdict every time

UNIT = re.compile(
    r"(?<![\w.,])(\d+(?:[.,]\d+)?)\s?(mm|cm|m|km|mg|g|kg|ml|cl|l|in|inch|inches|oz|lb|%|w|v|mah)(?![\w])",
    re.IGNORECASE,
)
SIZE = re.compile(
    r"\b(?:size|taille|pointure)\s+([A-Z0-9]{1,5})\b|\b(XXS|XS|XL|XXL|XXXL|[2-5]XL)\b", re.IGNORECASE
)
CAPITALISED = re.compile(r"(?<![.!?:]\s)(?<!^)\b([A-Z][\w'’-]*[a-zà-ÿ][\w'’-]*)")
SENTENCE_END = re.compile(r"[.!?…](?=\s|$)")
LANGUAGE_MIN = 20  # characters below which a language is not judged: too few words to tell
LANGUAGE_SURE = 0.7


@dataclass
class Style:
    """The limits a text must keep: the channel's and the attribute's."""

    max_length: int | None = None
    allowed_tags: list[str] = field(default_factory=list)
    tone: str = ""


@dataclass
class Term:
    term: str
    translation: str = ""
    do_not_translate: bool = False


@dataclass
class Verdict:
    text: str
    flags: list[dict[str, Any]]

    @property
    def refused(self) -> bool:
        return any(flag["blocking"] for flag in self.flags)


def _number(token: str) -> str:
    """12,50 and 12.5 are the same number."""
    token = token.replace(",", ".")
    if "." in token:
        token = token.rstrip("0").rstrip(".")
    return token.lstrip("0") or "0"


def _numbers(text: str) -> set[str]:
    return {_number(m) for m in re.findall(r"\d+(?:[.,]\d+)?", text)}


def _units(text: str) -> set[tuple[str, str]]:
    return {(_number(n), _unit(u)) for n, u in UNIT.findall(text)}


def _unit(unit: str) -> str:
    unit = unit.lower()
    return {"inch": "in", "inches": "in"}.get(unit, unit)


def _flag(rule: str, values: Iterable[str], blocking: bool) -> dict[str, Any]:
    """Sets of findings in a stable order; pairs (found, limit) as given."""
    return {
        "rule": rule,
        "values": list(values) if isinstance(values, list) else sorted(values),
        "blocking": blocking,
    }


def _strip_html(text: str, allowed: list[str]) -> str:
    cleaned = nh3.clean(text, tags=set(allowed), attributes={}, strip_comments=True)
    if not allowed:
        cleaned = html.unescape(cleaned)
    return re.sub(r"[ \t]+", " ", cleaned).strip()


def _shorten(text: str, limit: int) -> str | None:
    """The text cut after its last whole sentence within `limit` characters, or None if there is none."""
    ends = [m.end() for m in SENTENCE_END.finditer(text) if m.end() <= limit]
    return text[: ends[-1]].strip() if ends else None


def _mentions(text: str, term: str) -> bool:
    return re.search(rf"(?<!\w){re.escape(term)}(?!\w)", text, re.IGNORECASE) is not None


def detected_language(text: str) -> tuple[str, float] | None:
    plain = re.sub(r"<[^>]+>", " ", text)
    if len(plain.strip()) < LANGUAGE_MIN:
        return None
    try:
        best = detect_langs(plain)[0]
    except LangDetectException:
        return None
    return best.lang, best.prob


def check(
    text: str,
    *,
    locale: str,
    known: str,
    style: Style,
    brands: Iterable[str] = (),
    glossary: Iterable[Term] = (),
    source: str = "",
    by_person: bool = False,
) -> Verdict:
    """Clean `text` and judge it against `known` (the product's own data as text, with the source text of a
    translation). `brands`: every brand of the catalog; one the product's data does not name is refused.
    A text a person edited (`by_person`) keeps the cleaning and the limits; its facts are only flagged."""
    flags: list[dict[str, Any]] = []
    blocking = not by_person
    cleaned = _strip_html(text, style.allowed_tags)
    if cleaned != text.strip():
        flags.append(_flag("html", [], False))
    facts = f"{known}\n{source}"

    invented = _numbers(cleaned) - _numbers(facts)
    if invented:
        flags.append(_flag("numbers", set(invented), blocking))
    known_units = _units(facts)
    known_numbers = _numbers(facts)
    swapped = [f"{n} {u}" for n, u in _units(cleaned) if n in known_numbers and (n, u) not in known_units]
    if swapped:
        flags.append(_flag("units", set(swapped), blocking))
    sizes = {(a or b) for a, b in SIZE.findall(cleaned)}
    facts_words = {w.lower() for w in re.findall(r"[\w'’-]+", facts)}
    unknown_sizes = {s for s in sizes if s.lower() not in facts_words}
    if unknown_sizes:
        flags.append(_flag("sizes", unknown_sizes, blocking))
    lowered_facts = facts.lower()
    foreign = {
        b
        for b in brands
        if b and b.lower() not in lowered_facts and re.search(rf"(?<!\w){re.escape(b)}(?!\w)", cleaned, re.I)
    }
    if foreign:
        flags.append(_flag("brands", foreign, blocking))
    terms = list(glossary)
    glossary_words = {w.lower() for t in terms for w in re.findall(r"[\w'’-]+", f"{t.term} {t.translation}")}
    names = {
        word
        for word in CAPITALISED.findall(cleaned)
        if word.lower() not in facts_words and word.lower() not in glossary_words
        and not any(word.lower() == b.lower() for b in foreign)
    }  # fmt: skip
    if names:
        flags.append(_flag("names", names, False))

    kept = [
        t.term
        for t in terms
        if t.do_not_translate and t.term.lower() in lowered_facts and t.term not in cleaned
    ]
    if kept:
        flags.append(_flag("do_not_translate", set(kept), blocking))
    wording = [
        f"{t.term} → {t.translation}"
        for t in terms
        if t.translation and not t.do_not_translate
        and (t.term.lower() in (source or "").lower() or _mentions(cleaned, t.term))
        and t.translation.lower() not in cleaned.lower()
    ]  # fmt: skip
    if wording:
        flags.append(_flag("glossary", set(wording), False))

    if style.max_length and len(cleaned) > style.max_length:
        shortened = _shorten(cleaned, style.max_length)
        if shortened:
            flags.append(_flag("shortened", [str(len(cleaned)), str(style.max_length)], False))
            cleaned = shortened
        else:
            flags.append(_flag("length", [str(len(cleaned)), str(style.max_length)], True))

    found = detected_language(cleaned)
    if found is not None and found[0] != locale[:2].lower() and found[1] >= LANGUAGE_SURE:
        flags.append(_flag("language", [found[0], locale[:2].lower()], blocking))
    return Verdict(cleaned, flags)


def describe(flag: dict[str, Any]) -> str:
    """A flag said to a person, in their language."""
    values = ", ".join(flag.get("values", []))
    rule = flag.get("rule")
    if rule == "numbers":
        return _("numbers not in the product's data: %(values)s") % {"values": values}
    if rule == "units":
        return _("units not those of the product's data: %(values)s") % {"values": values}
    if rule == "sizes":
        return _("sizes not in the product's data: %(values)s") % {"values": values}
    if rule == "brands":
        return _("brands not this product's: %(values)s") % {"values": values}
    if rule == "names":
        return _("names not in the product's data (check them): %(values)s") % {"values": values}
    if rule == "do_not_translate":
        return _("must be kept as written (do not translate): %(values)s") % {"values": values}
    if rule == "glossary":
        return _("glossary wording not used: %(values)s") % {"values": values}
    if rule == "html":
        return _("HTML the channel does not accept was removed")
    if rule == "shortened":
        length, limit = (flag.get("values") or ["?", "?"])[:2]
        return _("shortened to the channel's limit of %(limit)s characters (it had %(length)s)") % {
            "limit": limit,
            "length": length,
        }
    if rule == "length":
        length, limit = (flag.get("values") or ["?", "?"])[:2]
        return _("%(length)s characters, over the limit of %(limit)s, with no sentence end to cut at") % {
            "limit": limit,
            "length": length,
        }
    if rule == "language":
        found, wanted = (flag.get("values") or ["?", "?"])[:2]
        return _("written in %(found)s, not %(wanted)s") % {"found": found, "wanted": wanted}
    return str(rule)


def describe_all(flags: Iterable[dict[str, Any]]) -> list[str]:
    return [describe(flag) for flag in flags]
