"""The product list as merchandisers use it: a picture, prices and stock per channel (columns the upper
apps bring, each loaded for the page's products in one query), completeness as one figure with its detail
on hover, filters by brand and by last change, the person's own choice of columns, and mass edit of one
attribute value over a selection (through the product services: four eyes, teams, versions)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from unfold.contrib.filters.admin import TextFilter
from unfold.decorators import action, display
from unfold.widgets import UnfoldAdminSelectWidget, UnfoldAdminTextInputWidget

from apps.core.models import Channel, Locale
from apps.products import grid
from apps.products import values as vals
from apps.products.models import Attribute, Completeness, Product


@dataclass(frozen=True)
class ListColumn:
    """A column an upper app adds to the product list: `load` answers, for the page's products and the
    person looking, product id → what `render` shows (one query or two for the whole page, never one a
    row); a product missing from the answer shows "—"."""

    code: str
    label: Any
    load: Callable[[list[Product], Any], dict[int, Any]]
    render: Callable[[Any], str]
    default: bool = True


# Upper apps (assets, pricing, inventory) append their columns here; the catalog never imports them.
product_columns: list[ListColumn] = []

# The catalog's own columns: code → (list_display entry, label, shown by default). "sku" always shows.
OWN_COLUMNS: dict[str, tuple[str, Any, bool]] = {
    "name": ("display_name", _("name"), True),
    "family": ("family", _("family"), False),
    "status": ("status_badge", _("status"), True),
    "pending": ("pending_badge", _("pending change"), True),
    "completeness": ("completeness_figure", _("completeness"), True),
    "channels": ("completeness_badges", _("completeness per channel"), False),
    "chosen": ("chosen_completeness", _("completeness for the filter"), False),
    "enabled": ("enabled", _("enabled"), False),
    "updated": ("updated_at", _("updated"), False),
}
# Where the upper apps' columns go among the catalog's: the picture first, prices and stock after
# completeness.
ORDER = ["picture", "sku", "name", "family", "status", "pending", "completeness", "prices", "stock",
         "channels", "chosen", "enabled", "updated"]  # fmt: skip


def column_choices() -> list[tuple[str, Any, bool]]:
    """(code, label, default) of every column a person may choose, in list order."""
    known = {code: (label, default) for code, (_entry, label, default) in OWN_COLUMNS.items()}
    known.update({c.code: (c.label, c.default) for c in product_columns})
    ordered = [code for code in ORDER if code in known] + sorted(set(known) - set(ORDER))
    return [(code, *known[code]) for code in ordered]


SPELLED_OUT = 2  # more channels sharing one figure than this are counted ("4 channels"), named on hover


def grouped(rows: list[tuple[str, Any]]) -> list[tuple[Any, list[str]]]:
    """[(value, [channels…])…]: the channels sharing each value, in the order values first appear."""
    groups: dict[Any, list[str]] = {}
    for channel, value in rows:
        groups.setdefault(value, []).append(channel)
    return list(groups.items())


def channels_note(channels: list[str]) -> str:
    """The channels a figure is for, as the list cell says them: their codes, or how many."""
    if len(channels) <= SPELLED_OUT:
        return " ".join(channels)
    return gettext("%(count)d channels") % {"count": len(channels)}


def _upper_entry(column: ListColumn) -> Callable[[Product], str]:
    def cell(obj: Product) -> str:
        data = getattr(obj, "grid", {}).get(column.code)
        return "—" if data is None else column.render(data)

    cell.__name__ = f"col_{column.code}"
    return display(description=column.label)(cell)


# filters --------------------------------------------------------------------------------------------------


class BrandFilter(TextFilter):
    title = _("brand")
    parameter_name = "brand"

    def choices(self, changelist):
        yield {
            "form": self.form_class(
                name=self.parameter_name,
                label=_("Brand (or part of it)"),
                data={self.parameter_name: self.value()},
            )
        }

    def queryset(self, request, queryset):
        value = (self.value() or "").strip()
        return grid.products_of_brand(queryset, value[:100]) if value else queryset


class UpdatedSinceFilter(admin.SimpleListFilter):
    title = _("updated since")
    parameter_name = "updated"

    def lookups(self, request, model_admin):
        return [
            ("1", _("Today")),
            ("7", _("The past 7 days")),
            ("30", _("The past 30 days")),
            ("365", _("The past year")),
        ]

    def queryset(self, request, queryset):
        days = grid.UPDATED_SINCE.get(self.value() or "")
        return grid.products_updated_since(queryset, days) if days else queryset


# column chooser -------------------------------------------------------------------------------------------


class ColumnsForm(forms.Form):
    columns = forms.MultipleChoiceField(
        label=_("Columns shown"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The SKU always shows. Nothing ticked: the default columns."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["columns"].choices = [(code, label) for code, label, _default in column_choices()]


# mass edit ------------------------------------------------------------------------------------------------


class MassEditForm(forms.Form):
    attribute = forms.ChoiceField(label=_("Attribute"), widget=UnfoldAdminSelectWidget)
    locale = forms.ChoiceField(
        label=_("Locale"), required=False, widget=UnfoldAdminSelectWidget,
        help_text=_("For a translated attribute only"),
    )  # fmt: skip
    channel = forms.ChoiceField(
        label=_("Channel"), required=False, widget=UnfoldAdminSelectWidget,
        help_text=_("For an attribute with a value per channel only"),
    )  # fmt: skip
    value = forms.CharField(
        label=_("New value"),
        required=False,
        strip=False,
        widget=UnfoldAdminTextInputWidget,
        help_text=_(
            "Empty: the value is removed. Yes/no: yes or no. Date: YYYY-MM-DD. Options: their codes, "
            "separated by commas for a multiple choice."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.attributes = {
            a.code: a
            for a in Attribute.objects.filter(type__in=grid.MASS_EDITABLE, unique=False)
            .prefetch_related("options")
            .order_by("code")
        }
        self.fields["attribute"].choices = [("", "—")] + [
            (code, f"{a.label()} ({code})") for code, a in self.attributes.items()
        ]
        locales = list(Locale.objects.filter(is_active=True).order_by("code").values_list("code", flat=True))
        self.fields["locale"].choices = [("", "—"), *((c, c) for c in locales)]
        channels = list(Channel.objects.order_by("code").values_list("code", flat=True))
        self.fields["channel"].choices = [("", "—"), *((c, c) for c in channels)]

    def clean(self):
        cleaned = super().clean()
        attribute = self.attributes.get(cleaned.get("attribute") or "")
        if attribute is None:
            return cleaned
        locale, channel = cleaned.get("locale") or "", cleaned.get("channel") or ""
        if attribute.localizable and not locale:
            self.add_error("locale", _("%(attribute)s is translated: choose the locale.") % {
                "attribute": attribute.label()})  # fmt: skip
        if not attribute.localizable and locale:
            self.add_error("locale", _("%(attribute)s is the same in every locale: leave the locale empty.")
                           % {"attribute": attribute.label()})  # fmt: skip
        if attribute.scopable and not channel:
            self.add_error("channel", _("%(attribute)s has a value per channel: choose the channel.") % {
                "attribute": attribute.label()})  # fmt: skip
        if not attribute.scopable and channel:
            self.add_error("channel", _("%(attribute)s is the same on every channel: leave the channel "
                                        "empty.") % {"attribute": attribute.label()})  # fmt: skip
        options = {o.code for o in attribute.options.all()}
        if problem := grid.value_problem(attribute, cleaned.get("value") or "", options):
            self.add_error("value", problem)
        return cleaned

    def edit(self) -> grid.MassEdit:
        data = self.cleaned_data
        attribute = self.attributes[data["attribute"]]
        return grid.MassEdit(
            attribute=attribute,
            locale=data.get("locale") or vals.ANY,
            channel=data.get("channel") or vals.ANY,
            value=grid.stored_value(attribute, data.get("value") or ""),
        )


def _versions(raw: str) -> dict[int, int]:
    """ "id:version,id:version" as the confirmation page carries it; anything else is left out."""
    found = {}
    for pair in raw.split(","):
        pk, _sep, version = pair.partition(":")
        if pk.isdigit() and version.isdigit():
            found[int(pk)] = int(version)
    return found


class ProductListMixin:
    """What the product list adds to ProductAdmin (see the module's docstring)."""

    list_filter_submit = True
    actions_list = ["choose_columns"]

    # columns ----------------------------------------------------------------------------------------------

    def chosen_columns(self, request: HttpRequest) -> list[str]:
        if not hasattr(request, "_noel_columns"):
            known = [code for code, _label, _default in column_choices()]
            saved = grid.list_columns_of(request.user)
            defaults = [code for code, _label, default in column_choices() if default]
            request._noel_columns = [c for c in known if c in saved] if saved else defaults
        return request._noel_columns

    def get_list_display(self, request):
        upper = {c.code: c for c in product_columns}
        entries = []
        for code in ORDER[:1] + ["sku"] + [c for c in ORDER if c not in ("picture", "sku")]:
            if code == "sku":
                entries.append("sku")
            elif code in self.chosen_columns(request):
                if code in OWN_COLUMNS:
                    entries.append(OWN_COLUMNS[code][0])
                elif code in upper:
                    entries.append(_upper_entry(upper[code]))
        return entries

    def get_list_display_links(self, request, list_display):
        return ("sku",)

    def get_changelist_instance(self, request):
        """The page's products, then each chosen upper column's data for them (one load a column)."""
        changelist = super().get_changelist_instance(request)
        rows = list(changelist.result_list)
        changelist.result_list = rows
        chosen = self.chosen_columns(request)
        loaded = {c.code: c.load(rows, request.user) for c in product_columns if c.code in chosen and rows}
        for row in rows:
            row.grid = {code: data.get(row.pk) for code, data in loaded.items()}
        return changelist

    @action(description=_("Columns"), url_path="columns", icon="view_column", permissions=["view"])
    def choose_columns(self, request: HttpRequest):
        posted = request.POST if request.method == "POST" else None
        form = ColumnsForm(posted, initial={"columns": self.chosen_columns(request)})
        if request.method == "POST" and form.is_valid():
            grid.list_columns_save(user=request.user, columns=form.cleaned_data["columns"])
            self.message_user(request, gettext("Your columns are saved."), messages.SUCCESS)
            return HttpResponseRedirect(reverse("admin:products_product_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": gettext("Columns of the product list"),
            "form": form,
        }
        return TemplateResponse(request, "admin/products/product/columns.html", context)

    # completeness -----------------------------------------------------------------------------------------

    @display(description=_("completeness"))
    def completeness_figure(self, obj: Product) -> str:
        """The lowest score over every channel and locale, coloured; the scores and what is missing on hover
        (and read out by screen readers)."""
        try:
            stored = obj.completeness
        except Completeness.DoesNotExist:
            return "—"
        parts, lowest = [], None
        for channel, scores in stored.by_channel():
            low = min(score.ratio for _locale, score in scores)
            lowest = low if lowest is None else min(lowest, low)
            detail = "; ".join(
                f"{locale} {score.ratio}%" + (f": {', '.join(score.missing)}" if score.missing else "")
                for locale, score in scores
            )
            parts.append(f"{channel} {low}% ({detail})")
        if lowest is None:
            return "—"
        detail = " · ".join(parts)
        level = "ok" if lowest == 100 else "mid" if lowest >= 50 else "ko"
        return format_html(
            '<span class="noel-figure {}" title="{}">{} %<span class="noel-sr"> — {}</span></span>',
            level, detail, lowest, detail,
        )  # fmt: skip

    # mass edit --------------------------------------------------------------------------------------------

    @action(description=_("Edit an attribute value of the selection…"), permissions=["change"])
    def edit_values(self, request: HttpRequest, queryset):
        """Choose the attribute and the value, see what each product would do, then apply: each product
        through product_update (an approved one gets a pending change), refusals said per product."""
        if not self.has_change_permission(request):
            raise PermissionDenied
        selected = request.POST.getlist(ACTION_CHECKBOX_NAME)
        base = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "selected": selected,
            "select_across": request.POST.get("select_across", "0"),
            "action": request.POST.get("action", ""),
        }
        total = queryset.count()
        hidden = len({pk for pk in selected if pk.isdigit()}) - total if base["select_across"] == "0" else 0
        if hidden > 0 and request.POST.get("step") != "apply":
            self.message_user(
                request,
                gettext("%(count)d of the chosen products are not yours to see or change: they are left out.")
                % {"count": hidden},
                messages.WARNING,
            )
        if total > grid.MASS_EDIT_MAX:
            self.message_user(
                request,
                gettext("Mass edit takes at most %(max)d products at a time and %(count)d are selected: "
                        "narrow the list with its filters.") % {"max": grid.MASS_EDIT_MAX, "count": total},
                messages.ERROR,
            )  # fmt: skip
            return None
        step = request.POST.get("step", "")
        form = MassEditForm(request.POST if step else None)
        title = gettext("Edit a value of %(count)d product(s)") % {"count": total}
        if step in ("preview", "apply") and form.is_valid():
            edit = form.edit()
            if step == "apply":
                versions = _versions(request.POST.get("versions", ""))
                allowed = set(queryset.filter(pk__in=list(versions)).values_list("pk", flat=True))
                outcome = grid.products_values_edit(
                    actor=request.user,
                    versions={k: v for k, v in versions.items() if k in allowed},
                    edit=edit,
                )
                self._say_outcome(request, outcome)
                _label(outcome, RESULT_LABELS)
                return TemplateResponse(
                    request,
                    "admin/products/product/mass_edit.html",
                    {**base, "title": title, "form": form, "edit": edit, "outcome": outcome, "applied": True},
                )
            products = list(queryset.select_related("family", "parent").order_by("sku"))
            outcome = grid.mass_edit_preview(actor=request.user, products=products, edit=edit)
            _label(outcome, PREVIEW_LABELS)
            versions = ",".join(f"{r.product.pk}:{r.version}" for r in outcome.rows)
            return TemplateResponse(
                request,
                "admin/products/product/mass_edit.html",
                {**base, "title": title, "form": form, "edit": edit, "outcome": outcome, "versions": versions,
                 "preview": True},
            )  # fmt: skip
        return TemplateResponse(
            request, "admin/products/product/mass_edit.html", {**base, "title": title, "form": form}
        )

    def _say_outcome(self, request: HttpRequest, outcome: grid.MassEditOutcome) -> None:
        done, pending = outcome.count("done"), outcome.count("pending")
        if done:
            self.message_user(
                request, gettext("%(count)d product(s) changed.") % {"count": done}, messages.SUCCESS
            )
        if pending:
            self.message_user(
                request,
                gettext("%(count)d approved product(s) got a pending change: their live data is unchanged "
                        "until it is approved. Submit it for approval from the product list.")
                % {"count": pending},
                messages.WARNING,
            )  # fmt: skip
        if outcome.refused:
            self.message_user(
                request,
                gettext("%(count)d product(s) were not changed; each one's reason is listed below.")
                % {"count": len(outcome.refused)},
                messages.ERROR,
            )


# How the confirmation page (before) and the result page (after) name each product's outcome.
PREVIEW_LABELS = {
    "change": _("will change"),
    "pending": _("will become a pending change (approved product: four eyes)"),
    "same": _("already holds this value"),
    "refused": _("refused"),
}
RESULT_LABELS = {
    "done": _("changed"),
    "pending": _("pending change, waiting for approval"),
    "same": _("already held this value"),
    "refused": _("not changed"),
}


def _label(outcome: grid.MassEditOutcome, labels: dict[str, Any]) -> None:
    for row in outcome.rows:
        row.label = str(labels.get(row.outcome, row.outcome))
