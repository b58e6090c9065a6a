"""How the admin shows stored values to people: JSON read-only fields, times."""

from __future__ import annotations

import json
import re
from typing import Any

from django.utils import formats, timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import get_language

# Words Noel shows that French writes the same way: tests/core/test_translations.py does not ask the catalog
# for a different French text for them.
SAME_IN_FRENCH = frozenset(
    {
        "Action", "Date", "Import", "Worker", "action", "associations", "client", "format", "latitude",
        "licence", "locale", "locales", "longitude", "maximum", "minimum", "notes", "options", "pages",
        "promotion", "score", "scores", "source", "unique", "SHA-256", "import", "imports",
    }
)  # fmt: skip
_LOCALE = re.compile(r"^[a-z]{2,3}_[A-Z]{2}$")


def readable_json(data: Any, encoder: Any = None) -> SafeString | None:
    """A read-only JSON field as people read it. Labels ({"fr_FR": "Vêtements", "en_GB": "Clothing"}) are
    shown as their texts, the person's language first; any other JSON keeps its accents ("Vêtements", not
    "V\\u00eatements") in an indented block."""
    if isinstance(data, dict) and data and all(_LOCALE.match(str(k)) for k in data):
        language = (get_language() or "en")[:2]
        ordered = sorted(data.items(), key=lambda item: (not item[0].startswith(language), item[0]))
        return format_html_join(
            "", '<div><span class="text-base-500">{}</span> {}</div>', ((k, v) for k, v in ordered)
        )
    text = json.dumps(data, ensure_ascii=False, indent=4, sort_keys=True, cls=encoder)
    return format_html('<pre class="whitespace-pre-wrap">{}</pre>', text)


def local_datetime(value, format_name: str = "SHORT_DATETIME_FORMAT") -> str:
    """An instant in the current time zone (Europe/Paris by default), in the format of the language."""
    if value is None:
        return "—"
    return formats.date_format(timezone.localtime(value), format_name)


def translate_default_names() -> None:
    """Django names a field declared without verbose_name after its attribute ("started by", "product"),
    and a model's plural after its singular plus "s", in English whatever the language. Those names are
    passed through the catalog here (apps/core/field_names.py lists them for makemessages), at run time:
    no verbose_name is written into the models, so no migration changes."""
    from django.apps import apps
    from django.utils.translation import gettext_lazy

    for model in apps.get_models():
        if not model.__module__.startswith("apps."):
            continue
        opts = model._meta
        if "verbose_name" not in opts.original_attrs:
            opts.verbose_name = gettext_lazy(str(opts.verbose_name))
        if "verbose_name_plural" not in opts.original_attrs:
            opts.verbose_name_plural = gettext_lazy(str(opts.verbose_name_plural))
        for field in [*opts.local_fields, *opts.local_many_to_many]:
            if field._verbose_name is None and field.name != "id":
                field.verbose_name = gettext_lazy(field.verbose_name)


def default_names() -> list[str]:
    """The English names translate_default_names() passes through the catalog (for field_names.py)."""
    from django.apps import apps

    names = set()
    for model in apps.get_models():
        if not model.__module__.startswith("apps."):
            continue
        opts = model._meta
        for attr in ("verbose_name", "verbose_name_plural"):
            if attr not in opts.original_attrs:
                names.add(str(getattr(opts, attr)))
        for field in [*opts.local_fields, *opts.local_many_to_many]:
            if field._verbose_name is None and field.name != "id":
                names.add(str(field.verbose_name))
    return sorted(names)


def install() -> None:
    """Unfold draws read-only JSON fields with json.dumps' ASCII escapes; Noel's admin draws them with
    readable_json instead (Unfold offers no setting for it). Default field names are translated."""
    import unfold.fields

    unfold.fields.prettify_json = readable_json
    translate_default_names()
