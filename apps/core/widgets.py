"""Pickers for the admin's forms, on the admin's own select2 (served from this origin, no inline script:
static/noel/pickers.js starts them). A tree of choices searchable by any ancestor's name, and a picker
that asks the server as the person types (products, brands, pictures with their thumbnails)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.conf import settings

_EXTRA = "" if settings.DEBUG else ".min"
SELECT2_JS = (
    f"admin/js/vendor/jquery/jquery{_EXTRA}.js",
    "admin/js/vendor/select2/select2.full.js",
    "admin/js/jquery.init.js",
    "noel/pickers.js",
)
SELECT2_CSS = {"screen": ("admin/css/vendor/select2/select2.css", "admin/css/autocomplete.css")}


class _Select2Media:
    class Media:
        js = SELECT2_JS
        css = SELECT2_CSS


class TreeSelectMultiple(_Select2Media, forms.SelectMultiple):
    """Choices of a tree, each shown indented under its parent; typing finds a node by its own name or by
    any ancestor's (typing "Toys" lists the whole subtree). `choices` take (code, label, depth, path)."""

    def __init__(self, attrs: dict[str, Any] | None = None, choices=()) -> None:
        attrs = {"class": "noel-tree-select", "data-theme": "admin-autocomplete", **(attrs or {})}
        super().__init__(attrs, choices)
        self.tree: dict[str, tuple[int, str]] = {}

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        depth, path = self.tree.get(str(value), (1, str(label)))
        option["attrs"].update({"data-depth": depth, "data-path": path})
        return option


class RemotePicker(_Select2Media, forms.SelectMultiple):
    """Asks `url` (select2's JSON: {"results": [{"id", "text", "thumbnail"?}], "pagination": {"more"}}) as
    the person types; the chosen values are rendered with their labels from `choices`."""

    def __init__(
        self,
        url: str = "",
        attrs: dict[str, Any] | None = None,
        *,
        single: bool = False,
        labeller: Callable[[list[str]], list[tuple[str, str, dict[str, str]]]] | None = None,
    ) -> None:
        attrs = {"class": "noel-remote-picker", "data-theme": "admin-autocomplete", **(attrs or {})}
        super().__init__(attrs)
        self.url = url
        self.allow_multiple_selected = not single
        # with a labeller, only the chosen values are rendered (a model's choices are never all listed)
        self.labeller = labeller

    def optgroups(self, name, value, attrs=None):
        if self.labeller is None:
            return super().optgroups(name, value, attrs)
        chosen = [v for v in value if v not in ("", None)]
        options = []
        for index, (code, label, extra) in enumerate(self.labeller(chosen)):
            option = self.create_option(name, code, label, True, index, attrs=attrs)
            option["attrs"].update(extra)
            options.append(option)
        return [(None, options, 0)]

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"]["attrs"]["data-url"] = str(self.url)
        return context

    def format_value(self, value):
        if value is None:
            return []
        return [str(v) for v in (value if isinstance(value, list | tuple) else [value])]

    def value_from_datadict(self, data, files, name):
        if self.allow_multiple_selected:
            return super().value_from_datadict(data, files, name)
        return data.get(name)


def select2_results(rows: list[dict[str, str]], more: bool) -> dict[str, Any]:
    return {"results": rows, "pagination": {"more": more}}
