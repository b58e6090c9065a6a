"""What a draft asks of the chat provider. The prompt's version is kept with each suggestion: a change of
wording here is a new version."""

from __future__ import annotations

import json
from typing import Any

from apps.assist.guards import Style
from apps.assist.providers import language_name

DRAFT_PROMPT = "draft-1"


def draft_messages(facts: dict[str, Any], *, locale: str, style: Style) -> list[dict[str, str]]:
    rules = [
        f"You write the description of one product for a retailer, in {language_name(locale)}.",
        "Use only the facts given. Never add a number, size, unit, material, brand or name that is not in "
        "them; leave out what you do not know.",
        "Answer with the description only.",
    ]
    if style.tone:
        rules.append(f"Tone: {style.tone}.")
    if style.max_length:
        rules.append(f"At most {style.max_length} characters.")
    rules.append(
        f"You may use these HTML tags only: {', '.join(style.allowed_tags)}."
        if style.allowed_tags
        else "Plain text, no HTML, no Markdown."
    )
    return [
        {"role": "system", "content": " ".join(rules)},
        {"role": "user", "content": json.dumps(facts, ensure_ascii=False)},
    ]
