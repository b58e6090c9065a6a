"""The campaign and promotion forms: time zones from a list, channels, products, categories, families and
brands picked rather than typed (codes and JSON never typed by hand), and a benefit per channel. What a
person may pick is what the catalog's policy lets them see; anything else posted is refused by name."""

from __future__ import annotations

from decimal import Decimal
from functools import cache
from typing import Any
from zoneinfo import available_timezones

from django import forms
from django.db import connection
from django.urls import reverse_lazy
from django.utils.text import capfirst
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from unfold.widgets import (
    UnfoldAdminDecimalFieldWidget,
    UnfoldAdminSelect2MultipleWidget,
    UnfoldAdminSelect2Widget,
    UnfoldAdminSelectWidget,
    UnfoldAdminTextInputWidget,
)

from apps.campaigns.models import Benefit, Campaign, Promotion
from apps.core.models import Channel, User
from apps.core.widgets import RemotePicker
from apps.products import policies as catalog
from apps.products import values as vals
from apps.products.forms import ChoicesPicked, category_field
from apps.products.models import Family, Product

HOME_ZONE = "Europe/Paris"
FILTER_STATUSES = [(s.value, s.label) for s in Product.Status]


@cache
def timezone_choices() -> list[tuple[str, str]]:
    """Every IANA zone Python knows, Noel's own first."""
    others = sorted(available_timezones() - {HOME_ZONE})
    return [(HOME_ZONE, HOME_ZONE), *((zone, zone.replace("_", " ")) for zone in others)]


class TimezoneField(forms.ChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("widget", UnfoldAdminSelect2Widget)
        super().__init__(choices=timezone_choices, **kwargs)


class CampaignForm(forms.ModelForm):
    """Times are typed as wall-clock times of the campaign's timezone (DST gaps and repeats refused)."""

    timezone = TimezoneField(
        label=capfirst(_("timezone")), initial=HOME_ZONE, help_text=_("Dates are entered and shown in it")
    )

    class Meta:
        model = Campaign
        fields = ["code", "name", "starts_at", "ends_at", "timezone", "channels", "notes"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "channels" in self.fields:
            field = self.fields["channels"]
            field.widget = UnfoldAdminSelect2MultipleWidget(choices=field.choices)
            field.help_text = ""


class Codes(ChoicesPicked):
    """Codes picked in a RemotePicker: any code passes the field, the form says which are not allowed
    (unknown, or out of the person's sight) by name."""

    def valid_value(self, value: Any) -> bool:
        return True


def brand_search(user: User | None, term: str, limit: int) -> list[str]:
    """Brands of the products the person sees, starting with or containing `term` (case-insensitive)."""
    visible = catalog.visible_products(user, Product.objects.all()).values("pk").query
    inner, params = visible.sql_with_params()
    sql = (
        "SELECT DISTINCT b FROM (SELECT values #>> '{brand,*,*}' AS b FROM products_product "
        f"WHERE id IN ({inner})) AS brands WHERE b IS NOT NULL AND b <> '' AND b ILIKE %s "
        "ORDER BY b LIMIT %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, f"%{term}%", limit])
        return [row[0] for row in cursor.fetchall()]


class PromotionForm(forms.ModelForm):
    actor: User | None = None  # who fills the form in (the admin sets it): what they may pick is theirs

    skus = Codes(
        label=capfirst(_("products")), required=False,
        widget=RemotePicker(reverse_lazy("admin:campaigns_promotion_pick_products")),
        help_text=_("Type a SKU or words of the name"),
    )  # fmt: skip
    categories = forms.MultipleChoiceField(
        label=capfirst(_("categories (with their subtree)")), required=False
    )
    families = ChoicesPicked(
        label=capfirst(_("families")), required=False, widget=UnfoldAdminSelect2MultipleWidget
    )
    brands = Codes(
        label=capfirst(_("brands")), required=False,
        widget=RemotePicker(reverse_lazy("admin:campaigns_promotion_pick_brands")),
    )  # fmt: skip
    filter_family = ChoicesPicked(
        label=capfirst(_("only these families")), required=False, widget=UnfoldAdminSelect2MultipleWidget
    )
    filter_category = forms.MultipleChoiceField(label=capfirst(_("only in these categories")), required=False)
    filter_brand = Codes(
        label=capfirst(_("only these brands")), required=False,
        widget=RemotePicker(reverse_lazy("admin:campaigns_promotion_pick_brands")),
    )  # fmt: skip
    filter_sku_prefix = forms.CharField(
        label=capfirst(_("only SKUs starting with")),
        required=False,
        max_length=64,
        widget=UnfoldAdminTextInputWidget,
    )
    filter_status = ChoicesPicked(
        label=capfirst(_("only products in status")), required=False, choices=FILTER_STATUSES,
        widget=UnfoldAdminSelect2MultipleWidget,
    )  # fmt: skip
    confirm = forms.BooleanField(label=_("confirm a percentage below 1"), required=False)
    confirm_high = forms.BooleanField(label=_("confirm a discount above the usual range"), required=False)

    class Media:
        js = ["noel/discount-check.js"]

    class Meta:
        model = Promotion
        fields = [
            "campaign", "code", "name", "skus", "categories", "families", "brands", "benefit", "value",
            "currency", "priority", "stacking", "buy_x_get_y", "buy_quantity", "free_quantity",
        ]  # fmt: skip

    FILTER_FIELDS = ["filter_family", "filter_category", "filter_brand", "filter_sku_prefix", "filter_status"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        promotion = self.instance
        held = set(promotion.categories or ()) | set((promotion.product_filter or {}).get("category", []))
        offered = list(catalog.category_choices(self.actor, keep=held))
        self.fields["categories"] = category_field(
            capfirst(_("categories (with their subtree)")), offered, required=False
        )
        self.fields["filter_category"] = category_field(
            capfirst(_("only in these categories")), offered, required=False
        )
        families = [(f.code, str(f)) for f in Family.objects.order_by("code")]
        self.fields["families"].choices = self.fields["filter_family"].choices = families
        self._offer_picked("skus", promotion.skus or [], self._product_labels)
        self._offer_picked("brands", promotion.brands or [], None)
        found = promotion.product_filter or {}
        self._offer_picked("filter_brand", found.get("brand", []), None)
        if promotion.pk:
            for key in ("family", "category", "brand", "sku_prefix", "status"):
                if key in found:
                    self.initial[f"filter_{key}"] = found[key]
        self.channel_fields: list[tuple[str, str]] = []
        overrides = (
            {o.channel.code: o for o in promotion.overrides.select_related("channel")} if promotion.pk else {}
        )
        for channel in Channel.objects.order_by("code"):
            kind, amount = f"override_benefit__{channel.code}", f"override_value__{channel.code}"
            current = overrides.get(channel.code)
            self.fields[kind] = forms.ChoiceField(
                label=capfirst(_("benefit on %(channel)s") % {"channel": channel.name}), required=False,
                choices=[("", _("the promotion's own")), *Benefit.choices],
                initial=current.benefit if current else "", widget=UnfoldAdminSelectWidget,
            )  # fmt: skip
            self.fields[amount] = forms.DecimalField(
                label=capfirst(_("value on %(channel)s") % {"channel": channel.name}), required=False,
                initial=current.value.normalize() if current else None, max_digits=12, decimal_places=4,
                widget=UnfoldAdminDecimalFieldWidget,
            )  # fmt: skip
            self.channel_fields.append((kind, amount))
        if "value" in self.fields:
            self._describe_discount()

    def _offer_picked(self, name: str, current: list[str], labels) -> None:
        """The picker renders what is chosen (posted, else stored) with its label."""
        if name not in self.fields:
            return
        chosen = self.data.getlist(self.add_prefix(name)) if self.is_bound else list(current)
        chosen = [c for c in chosen if c]
        named = labels(chosen) if labels else {}
        self.fields[name].choices = [(c, named.get(c, c)) for c in chosen]
        if not self.is_bound:
            self.initial[name] = chosen

    @staticmethod
    def _product_labels(skus: list[str]) -> dict[str, str]:
        products = Product.objects.filter(sku__in=skus).select_related(
            "family__label_attribute", "parent__parent"
        )
        return {p.sku: product_label(p) for p in products}

    def _describe_discount(self) -> None:
        from apps.campaigns import selectors

        # the live warning as the value is typed (noel/discount-check.js); clean() says the same on save
        usual, limit = _pct(selectors.usual_discount()), _pct(selectors.max_discount())
        self.fields["value"].widget.attrs.update({
            "data-usual-max": usual, "data-max": limit,
            "data-warn": _("%(value)s %% off is above the usual range (up to %(usual)s %%): did you mean "
                           "%(tenth)s %%?") % {"value": "{value}", "usual": usual, "tenth": "{tenth}"},
            "data-refuse": _("%(value)s %% off is more than the %(max)s %% allowed")
            % {"value": "{value}", "max": limit},
        })  # fmt: skip

    def clean_skus(self) -> list[str]:
        skus = self.cleaned_data.get("skus") or []
        if not skus:
            return skus
        visible = catalog.visible_products(self.actor, Product.objects.filter(sku__in=skus))
        kept = set(self.instance.skus or ())  # already on the promotion: stays even out of sight
        unknown = sorted(set(skus) - set(visible.values_list("sku", flat=True)) - kept)
        if unknown:
            raise forms.ValidationError(
                _("No product you may see has the SKU %(skus)s.") % {"skus": ", ".join(unknown[:10])},
                code="unknown_sku",
            )
        return skus

    def clean(self) -> dict[str, Any]:
        from apps.campaigns import selectors

        cleaned = super().clean()
        overrides = {}
        for kind, amount in self.channel_fields:
            code = kind.split("__", 1)[1]
            benefit, value = cleaned.get(kind), cleaned.get(amount)
            if benefit and value is None:
                self.add_error(amount, _("Give the value of this channel's benefit."))
            elif value is not None and not benefit:
                self.add_error(kind, _("Choose the benefit this value is for."))
            elif benefit:
                overrides[code] = [benefit, f"{value.normalize():f}"]
        cleaned["overrides"] = overrides
        product_filter: dict[str, Any] = {}
        for key in ("family", "category", "brand", "status"):
            if cleaned.get(f"filter_{key}"):
                product_filter[key] = list(cleaned[f"filter_{key}"])
        if prefix := (cleaned.get("filter_sku_prefix") or "").strip():
            product_filter["sku_prefix"] = prefix
        cleaned["product_filter"] = product_filter
        value, benefit = cleaned.get("value"), cleaned.get("benefit")
        if value is None or benefit != Benefit.PERCENTAGE_OFF or value > 100:
            return cleaned  # above 100 % the service says it cannot be (its own message, on save)
        usual, limit = selectors.usual_discount() * 100, selectors.max_discount() * 100
        shown = f"{value.normalize():f}"
        if value > limit:
            self.add_error("value", _("%(value)s %% off is more than the %(max)s %% allowed")
                           % {"value": shown, "max": _pct(limit / 100)})  # fmt: skip
        elif value > usual and not cleaned.get("confirm_high"):
            self.add_error("value", _(
                "%(value)s %% off is above the usual range (up to %(usual)s %%): did you mean %(tenth)s %%? "
                "Tick “confirm a discount above the usual range” to keep %(value)s %%."
            ) % {"value": shown, "usual": _pct(usual / 100),
                 "tenth": f"{(value / 10).normalize():f}"})  # fmt: skip
        return cleaned


def product_label(product: Product) -> str:
    """ "TOY-2 — Ours en peluche": the SKU and the name in the person's language (else any)."""
    code = product.family.label_attribute.code if product.family.label_attribute_id else "name"
    language = (get_language() or "en")[:2]
    # a variant's name is usually its model's (joined in by the callers: no query per product)
    owners = [product, product.parent, product.parent.parent if product.parent else None]
    for owner in (o for o in owners if o is not None):
        by_locale = owner.values.get(code) or {}
        for locale in sorted(by_locale, key=lambda loc: not loc.startswith(language)):
            name = vals.value_of(owner.values, code, locale)
            if name:
                return f"{product.sku} — {name}"
    return product.sku


def _pct(share: Decimal) -> str:
    """0.70 → "70", 0.125 → "12.5"."""
    return f"{(share * 100).normalize():f}"
