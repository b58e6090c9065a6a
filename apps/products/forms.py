"""The product form, built from the family's attributes: one field per attribute × locale × channel."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from unfold.widgets import (
    UnfoldAdminDateWidget,
    UnfoldAdminNullBooleanSelectWidget,
    UnfoldAdminSelectMultipleWidget,
    UnfoldAdminSelectWidget,
    UnfoldAdminTextareaWidget,
    UnfoldAdminTextInputWidget,
)

from apps.core.models import Channel
from apps.core.selectors import active_currencies, active_locales
from apps.core.widgets import TreeSelectMultiple
from apps.products import policies, selectors, services
from apps.products import values as vals
from apps.products.models import AssociationType, Attribute, Category, FamilyRequirement, Product

T = Attribute.Type
SEP = "|"


def value_field_name(code: str, locale: str, channel: str, part: str = "") -> str:
    return SEP.join(p for p in ("v", code, locale, channel, part) if p)


def _scopes(attribute: Attribute, locales: list[str], channels: list[str]) -> list[tuple[str, str]]:
    return [
        (loc, ch)
        for loc in (locales if attribute.localizable else [vals.ANY])
        for ch in (channels if attribute.scopable else [vals.ANY])
    ]


def category_tree(offered: Iterable[Category]) -> tuple[list[tuple[str, str]], dict[str, tuple[int, str]]]:
    """Choices for a TreeSelectMultiple: each category indented by its depth, found by its own name or
    any ancestor's ("Toys › Plush"), ancestors named even when the person may not choose them."""
    offered = list(offered)
    names = {c.path: str(c) for c in Category.objects.order_by("path").only("path", "code", "labels")}
    step = Category.steplen
    tree = {
        c.code: (
            c.depth,
            " › ".join(names.get(c.path[: step * n], "") for n in range(1, c.depth + 1)),
        )
        for c in offered
    }
    return [(c.code, str(c)) for c in offered], tree


class ChoicesPicked(forms.MultipleChoiceField):
    """A multiple choice where an empty value posted (a picker cleared by hand) means nothing chosen."""

    def to_python(self, value: Any) -> list[str]:
        return [v for v in super().to_python(value) if v.strip()]


def category_field(label: str, offered: Iterable[Category], **kwargs: Any) -> forms.MultipleChoiceField:
    choices, tree = category_tree(offered)
    widget = TreeSelectMultiple()
    widget.tree = tree
    return ChoicesPicked(label=label, choices=choices, widget=widget, **kwargs)


def _option_labels(attribute: Attribute, value: Any) -> Any:
    """A select's option codes as the person reads them: their labels in the person's language."""
    if attribute.type not in (T.SELECT, T.MULTISELECT) or value in (None, "", []):
        return value
    labels = {o.code: str(o) for o in attribute.options.all()}
    if isinstance(value, list):
        return [labels.get(v, v) for v in value]
    return labels.get(value, value)


def _shown(value: Any) -> str:
    """A value as help text shows it: prices and measurements in words, long texts cut."""
    if isinstance(value, dict):
        value = " ".join(f"{v} {k}" if k not in ("amount", "unit") else str(v) for k, v in value.items())
    elif isinstance(value, list):
        value = ", ".join(map(str, value))
    text = str(value)
    return text if len(text) <= 120 else text[:119] + "…"


class ProductForm(forms.ModelForm):
    """Base fields plus the family's value fields; the version travels with the form to detect conflicts."""

    categories = forms.MultipleChoiceField(label=_("Categories"), required=False)
    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    actor = None  # who fills the form in (the admin sets it): the categories offered are theirs

    class Meta:
        model = Product
        fields = ["sku", "gtin", "family", "family_variant", "parent", "is_model", "enabled"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        offered = policies.category_choices(self.actor, keep=self.instance.categories or ())
        self.fields["categories"] = category_field(
            _("Categories"),
            offered,
            required=False,
            help_text=_("Type a category's name, or a parent's to list its subtree"),
        )
        self.value_groups: list[tuple[str, list]] = []
        self._attributes: dict[str, Attribute] = {}
        product = self.instance
        if product.pk:
            # an approved product shows what its editors see: its pending change applied, so that saving
            # the page keeps that change rather than putting the live data back over it
            shown = services.product_proposed(product)
            if shown is not product and not self.is_bound:
                self.initial.update({"gtin": shown.gtin, "enabled": shown.enabled, "family": shown.family_id})
            self.fields["categories"].initial = shown.categories
            self.fields["expected_version"].initial = product.version
            self._add_association_fields(shown)
            self._add_value_fields(shown)
            if shown is not product:
                self._mark_pending(product, shown)

    def _mark_pending(self, live: Product, shown: Product) -> None:
        """Each field whose pending value differs from the live one says the live one (and is marked), so
        that an edit to an approved product never seems to vanish nor to be live already."""
        for name, field in self.fields.items():
            if name.startswith("v" + SEP):
                _prefix, code, loc, ch, *part = name.split(SEP)
                if part and part[0] == "unit":
                    continue
                before, after = (
                    vals.value_of(live.values, code, loc, ch),
                    vals.value_of(shown.values, code, loc, ch),
                )
                if part and part[0] != "amount":  # a price collection, one field per currency
                    before, after = (before or {}).get(part[0]), (after or {}).get(part[0])
                if code in self._attributes:
                    before = _option_labels(self._attributes[code], before)
                    after = _option_labels(self._attributes[code], after)
            elif name in ("gtin", "enabled", "categories"):
                before, after = getattr(live, name), getattr(shown, name)
            elif name == "family":
                before, after = live.family, shown.family
            else:
                continue
            if before == after or (vals.is_empty(before) and vals.is_empty(after)):
                continue
            note = _("Live: %(value)s") % {"value": selectors.display_value(before)}
            field.help_text = f"{field.help_text} · {note}" if field.help_text else note
            field.widget.attrs["class"] = f"{field.widget.attrs.get('class', '')} noel-pending".strip()

    def _add_association_fields(self, product: Product) -> None:
        """One field per association type: the associated SKUs, comma-separated."""
        self.association_fields = []
        for kind in AssociationType.objects.order_by("code"):
            name = f"assoc{SEP}{kind.code}"
            self.fields[name] = forms.CharField(
                label=kind.label(),
                required=False,
                initial=", ".join(product.associations.get(kind.code, [])),
                help_text=_("SKUs, separated by commas"),
                widget=UnfoldAdminTextInputWidget(),
            )
            self.association_fields.append(name)

    def _add_value_fields(self, product: Product) -> None:
        locales = [loc.code for loc in active_locales()]
        every_channel = list(Channel.objects.order_by("code").values_list("code", flat=True))
        required: dict[str, set[str]] = {}
        for code, channel in FamilyRequirement.objects.filter(family_id=product.family_id).values_list(
            "attribute__code", "channel__code"
        ):
            required.setdefault(code, set()).add(channel)
        # ...and what a channel's own rules need of every product it serves (Google's description)
        for channel, codes in services.channel_required_codes().items():
            for code in codes:
                required.setdefault(code, set()).add(channel)
        # a channel-scoped attribute has a box per channel that requires it (else per channel the family
        # requires anything on, else per channel) and per channel taking its values from one of those; a
        # channel holding a value already keeps its box, so that nothing typed before becomes invisible
        family_channels = set().union(*required.values()) if required else set(every_channel)
        # Price collections in the currencies the channels sell in (all active ones when no channel yet).
        currencies = sorted(set(Channel.objects.values_list("currency_id", flat=True))) or [
            c.code for c in active_currencies()
        ]
        allowed = services.allowed_attributes(product)
        inherited = services.effective_values(product.parent) if product.parent_id else {}
        self._chains = vals.channel_chains()
        self._effective = vals.merge(inherited, product.values)
        groups: dict[str, list] = {}
        self._attributes = {a.code: a for a in selectors.family_attributes(product.family)}
        for attribute in self._attributes.values():
            if attribute.code not in allowed and attribute.code not in inherited:
                continue
            rows = groups.setdefault(str(attribute.group), [])
            by_channel: dict[str, list[str]] = {}
            held = {ch for by_ch in (product.values.get(attribute.code) or {}).values() for ch in by_ch or {}}
            wanted = set(required.get(attribute.code) or family_channels)
            # ...and a channel that takes its values from one of those, to say which value it sends
            wanted |= {ch for ch, chain in self._chains.items() if set(chain[1:]) & wanted}
            shown = [code for code in every_channel if code in wanted or code in held]
            for loc, ch in _scopes(attribute, locales, shown):
                names = self._fields_for(
                    attribute, loc, ch, currencies, product, inherited, editable=attribute.code in allowed
                )
                by_channel.setdefault(ch, []).extend(names)
            # Translations side by side: one row per attribute and channel, one column per locale.
            rows.extend(tuple(names) for names in by_channel.values())
        self.value_groups = list(groups.items())

    def _fields_for(self, attribute, loc, ch, currencies, product, inherited, *, editable: bool) -> list[str]:
        label = attribute.label()
        suffix = " · ".join(part for part in (loc, ch) if part != vals.ANY)
        label = f"{label} ({suffix})" if suffix else label
        current = vals.value_of(product.values, attribute.code, loc, ch)
        parent_value = vals.value_of(inherited, attribute.code, loc, ch)
        help_text = (
            _("Inherited from %(sku)s: %(value)s")
            % {"sku": product.parent.sku, "value": _shown(_option_labels(attribute, parent_value))}
            if parent_value is not None and product.parent_id
            else ""
        )
        if not help_text and current is None and ch != vals.ANY:
            # an empty slot of a channel that takes another's values: say which value the channel sends
            found = vals.value_source(self._effective, attribute.code, loc, ch, self._chains.get(ch, (ch,)))
            if found is not None and found[1] not in (ch, vals.ANY):
                help_text = _("Inherited from the channel %(channel)s: %(value)s") % {
                    "channel": found[1],
                    "value": _shown(_option_labels(attribute, found[0])),
                }
        name = value_field_name(attribute.code, loc, ch)
        if attribute.type == T.PRICE:
            names = []
            for currency in currencies:
                field_name = value_field_name(attribute.code, loc, ch, currency)
                self.fields[field_name] = forms.CharField(
                    label=f"{label} {currency}",
                    required=False,
                    initial=(current or {}).get(currency),
                    widget=UnfoldAdminTextInputWidget(),
                    disabled=not editable,
                )
                names.append(field_name)
            return names
        if attribute.type == T.MEASUREMENT:
            units = [(u.code, f"{u.code} ({u.symbol})") for u in attribute.measurement_family.units.all()]
            amount, unit = (
                value_field_name(attribute.code, loc, ch, "amount"),
                value_field_name(attribute.code, loc, ch, "unit"),
            )
            self.fields[amount] = forms.CharField(
                label=label,
                required=False,
                initial=(current or {}).get("amount"),
                help_text=help_text,
                widget=UnfoldAdminTextInputWidget(),
                disabled=not editable,
            )
            self.fields[unit] = forms.ChoiceField(
                label=_("unit"),
                choices=units,
                required=False,
                initial=(current or {}).get("unit", attribute.default_unit),
                widget=UnfoldAdminSelectWidget(),
                disabled=not editable,
            )
            return [amount, unit]
        self.fields[name] = self._simple_field(attribute, label, current)
        self.fields[name].help_text = help_text
        self.fields[name].disabled = not editable
        return [name]

    @staticmethod
    def _simple_field(attribute: Attribute, label: str, current: Any) -> forms.Field:
        options = [(o.code, str(o)) for o in attribute.options.all()]
        if attribute.type == T.TEXTAREA:
            return forms.CharField(
                label=label,
                required=False,
                initial=current,
                widget=UnfoldAdminTextareaWidget(attrs={"rows": 4}),
                strip=False,
            )
        if attribute.type == T.BOOLEAN:
            return forms.NullBooleanField(
                label=label, required=False, initial=current, widget=UnfoldAdminNullBooleanSelectWidget()
            )
        if attribute.type == T.DATE:
            return forms.DateField(
                label=label, required=False, initial=current, widget=UnfoldAdminDateWidget()
            )
        if attribute.type == T.SELECT:
            return forms.ChoiceField(
                label=label,
                required=False,
                initial=current,
                choices=[("", "—"), *options],
                widget=UnfoldAdminSelectWidget(),
            )
        if attribute.type == T.MULTISELECT:
            return forms.MultipleChoiceField(
                label=label,
                required=False,
                initial=current,
                choices=options,
                widget=UnfoldAdminSelectMultipleWidget(),
            )
        return forms.CharField(
            label=label, required=False, initial=current, widget=UnfoldAdminTextInputWidget()
        )

    def submitted_values(self) -> dict[str, Any]:
        """The value fields as {attribute: {locale: {channel: value}}}; an emptied field clears its value."""
        values: dict[str, Any] = {}
        for name, field in self.fields.items():
            if not name.startswith("v" + SEP) or field.disabled:
                continue
            _, code, loc, ch, *part = name.split(SEP)
            raw = self.cleaned_data.get(name)
            slot = values.setdefault(code, {}).setdefault(loc, {})
            if part and part[0] == "unit":
                continue
            if part and part[0] == "amount":
                unit = self.cleaned_data.get(value_field_name(code, loc, ch, "unit"))
                slot[ch] = {"amount": raw, "unit": unit} if raw not in (None, "") else None
            elif part:
                prices = slot.setdefault(ch, {}) or {}
                if raw not in (None, ""):
                    prices[part[0]] = raw
                slot[ch] = prices or None
            else:
                slot[ch] = raw.isoformat() if hasattr(raw, "isoformat") else raw
        return values

    def changes(self) -> dict[str, Any]:
        """What the person asked for, in the services' terms."""
        data = self.cleaned_data
        changes = {field: data.get(field) for field in ("sku", "gtin", "enabled", "family")}
        changes["categories"] = data.get("categories") or []
        if self.instance.pk:
            changes["values"] = self.submitted_values()
            changes["associations"] = {
                name.split(SEP, 1)[1]: [
                    sku.strip() for sku in (data.get(name) or "").split(",") if sku.strip()
                ]
                for name in self.association_fields
            }
        else:
            changes.update({field: data.get(field) for field in ("parent", "family_variant", "is_model")})
        return changes

    def clean(self) -> dict[str, Any]:
        """Refuse a stale save, then run the service's own checks so each error shows on its field."""
        cleaned = super().clean()
        if self.errors:
            return cleaned
        # locked until the admin's transaction ends: nobody saves between this check and the save
        product = (
            Product.objects.select_for_update(of=("self",))
            .select_related("updated_by", "family")
            .get(pk=self.instance.pk)
            if self.instance.pk
            else None
        )
        expected = cleaned.get("expected_version")
        if product is not None and expected is None:
            raise forms.ValidationError(
                _("This page did not say which version of the product it showed: reload the page."),
                code="version_missing",
            )
        if product is not None and product.version != expected:
            changed = services.product_changes_since(product, expected)
            raise forms.ValidationError(services.VersionConflict(product, expected, changed).messages)
        try:
            services.product_check(
                product=product, family=cleaned.get("family"), changes=self.changes(), actor=self.actor
            )
        except vals.ProductValidationError as exc:
            for issue in exc.issues:
                prefix = value_field_name(issue.attribute, issue.locale, issue.channel)
                target = next((name for name in self.fields if name.startswith(prefix)), None)
                self.add_error(target, issue.reason if target else str(issue))
        except forms.ValidationError as exc:
            for field, errors in exc.message_dict.items():
                self.add_error(field if field in self.fields else None, errors)
        return cleaned
