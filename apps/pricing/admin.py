from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin, TabularInline
from unfold.decorators import action, display
from unfold.forms import ActionForm
from unfold.widgets import UnfoldAdminSelectWidget, UnfoldAdminTextInputWidget, UnfoldBooleanWidget

from apps.core.admin_mixins import ReadOnlyAdminMixin
from apps.core.display import local_datetime
from apps.core.models import AuditLog
from apps.core.money import currency_exponent, format_money
from apps.pricing import policies, selectors, services
from apps.pricing.models import EffectivePrice, Price
from apps.products.admin import ProductAdmin


class MoneyColumns:
    """Amounts shown as money in the person's language at the currency's precision ("19,90 €", "€19.90"),
    not as raw decimals ("19.9000")."""

    @display(description=_("price"), ordering="amount")
    def price(self, obj: Price) -> str:
        return format_money(obj.amount, obj.currency_id)

    @display(description=_("compare-at price"), ordering="compare_at")
    def compare_at_price(self, obj: Price) -> str:
        return format_money(obj.compare_at, obj.currency_id)

    @display(description=_("cost"), ordering="cost")
    def cost_price(self, obj: Price) -> str:
        return format_money(obj.cost, obj.currency_id)


class PriceForm(forms.ModelForm):
    """A price through the guard rails: large changes need `confirm`, below-cost needs a reason."""

    confirm = forms.BooleanField(
        label=_("confirm a large change"), required=False, widget=UnfoldBooleanWidget()
    )
    reason = forms.CharField(
        label=_("reason (below cost)"), required=False, widget=UnfoldAdminTextInputWidget()
    )

    class Meta:
        model = Price
        fields = ["product", "channel", "amount", "compare_at", "cost"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Amounts are stored with four decimals; the form shows them at the currency's precision ("37.00",
        # not "37.0000"). The fields are number inputs: the browser writes the number in the person's
        # notation, and would show nothing for a value already written "37,00".
        if self.instance.pk:
            places = currency_exponent(self.instance.currency_id)
            for name in ("amount", "compare_at", "cost"):
                value = getattr(self.instance, name)
                if value is not None and value == round(value, places):
                    self.initial[name] = round(value, places)

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        try:
            services.price_check(
                actor=self.actor,
                line=self.line(),
                product=cleaned["product"],
                channel=cleaned["channel"],
                confirm=cleaned.get("confirm", False),
                reason=cleaned.get("reason", ""),
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                self.add_error(field if field in self.fields else None, errors)
        return cleaned

    def line(self) -> services.PriceLine:
        data = self.cleaned_data
        return services.PriceLine(
            data["product"].sku,
            data["channel"].code,
            data["amount"],
            None,
            data.get("compare_at"),
            data.get("cost"),
        )


class PriceActionForm(ActionForm):
    operation = forms.ChoiceField(
        label=_("bulk edit"),
        required=False,
        choices=[("raise", _("raise by %")), ("lower", _("lower by %")), ("set", _("set to"))],
        widget=UnfoldAdminSelectWidget(),
    )
    value = forms.CharField(
        label=_("value"), required=False, widget=UnfoldAdminTextInputWidget(attrs={"size": 6})
    )
    ending = forms.ChoiceField(
        label=_("ending"),
        required=False,
        choices=[("", "—"), (".99", ".99"), (".95", ".95")],
        widget=UnfoldAdminSelectWidget(),
    )
    confirm = forms.BooleanField(label=_("confirm large changes"), required=False)


@admin.register(Price)
class PriceAdmin(MoneyColumns, ModelAdmin):
    """The price list: per channel and currency, filterable, with bulk edit and history."""

    form = PriceForm
    action_form = PriceActionForm
    list_display = ("product", "channel", "price", "compare_at_price", "cost_price", "updated_at")
    ordering = ("product__sku", "channel__code")
    list_filter = ("channel", "currency", "product__family")
    list_select_related = ("product", "channel")
    search_fields = ("product__sku",)
    autocomplete_fields = ("product",)
    show_full_result_count = False
    readonly_fields = ("history",)
    actions = ["bulk_edit"]

    def get_queryset(self, request):
        return policies.visible_prices(request.user, super().get_queryset(request))

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        form.actor = request.user
        return form

    def get_fields(self, request, obj=None):
        return [
            "product",
            "channel",
            "amount",
            "compare_at",
            "cost",
            "confirm",
            "reason",
            *(["history"] if obj else []),
        ]

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        saved = services.price_set(
            actor=request.user,
            product=data["product"],
            channel=data["channel"],
            amount=data["amount"],
            compare_at=data.get("compare_at"),
            cost=data.get("cost"),
            confirm=data.get("confirm", False),
            reason=data.get("reason", ""),
        )
        # the admin names the saved object in its log and messages: give it what the service wrote
        for field in ("pk", "currency_id", "amount", "compare_at", "cost", "updated_at"):
            setattr(obj, field, getattr(saved, field))

    @display(description=_("history"))
    def history(self, obj: Price) -> str:
        """Each saved state: when (in the person's time zone and notation), who, how, the price, why."""
        sources = dict(AuditLog.Source.choices)
        return format_html_join(
            "",
            "<div>{} · {} ({}) · {} {}</div>",
            (
                (
                    local_datetime(h["at"]),
                    h["who"],
                    sources.get(h["source"], h["source"]),
                    format_money(h["amount"], obj.currency_id),
                    h["reason"],
                )
                for h in selectors.price_history(obj)
            ),
        )

    @action(description=_("Bulk edit: apply the operation chosen beside"), permissions=["change"])
    def bulk_edit(self, request, queryset):
        data = request.POST
        try:
            count = services.prices_bulk_edit(
                actor=request.user,
                prices=queryset.select_related("product", "channel"),
                operation=data.get("operation", ""),
                value=data.get("value", ""),
                ending=data.get("ending", ""),
                confirm=bool(data.get("confirm")),
            )
        except ValidationError as exc:
            self.message_user(request, " ".join(exc.messages), messages.ERROR)
            return
        self.message_user(request, _("%(count)d price(s) changed.") % {"count": count}, messages.SUCCESS)


@admin.register(EffectivePrice)
class EffectivePriceAdmin(ReadOnlyAdminMixin, ModelAdmin):
    list_display = (
        "product",
        "channel",
        "shown_price",
        "regular_price",
        "promotion",
        "valid_until",
        "dirty",
        "computed_at",
    )
    list_filter = ("channel", "dirty")
    list_select_related = ("product", "channel")
    search_fields = ("product__sku",)
    show_full_result_count = False

    def get_queryset(self, request):
        return policies.visible_prices(request.user, super().get_queryset(request))

    @display(description=_("price shown"), ordering="amount")
    def shown_price(self, obj: EffectivePrice) -> str:
        return format_money(obj.amount, obj.currency_id)

    @display(description=_("regular price"), ordering="regular_amount")
    def regular_price(self, obj: EffectivePrice) -> str:
        return format_money(obj.regular_amount, obj.currency_id)


class _PricesShownNow(BaseInlineFormSet):
    """The product's prices, each with what its channel shows now (promotion and 30-day reference price
    applied), worked out for all the product's channels at once rather than row by row."""

    def get_queryset(self):
        if not hasattr(self, "_with_shown"):
            prices = list(super().get_queryset())
            channels = {p.channel_id: p.channel for p in prices}
            shown = selectors.channel_prices_at(
                [self.instance.pk], list(channels.values()), timezone.now()
            ) if prices and self.instance.pk else {}  # fmt: skip
            for price in prices:
                price.shown = shown.get((price.product_id, price.channel_id))
            self._with_shown = prices
        return self._with_shown


class PriceInline(ReadOnlyAdminMixin, MoneyColumns, TabularInline):
    """Prices on the product form, read-only: they change in the price list, through the guard rails."""

    model = Price
    formset = _PricesShownNow
    fields = (
        "channel", "price", "shown_now", "reference_price", "compare_at_price", "cost_price", "updated_at",
    )  # fmt: skip
    readonly_fields = fields
    extra = 0
    show_change_link = True
    verbose_name_plural = _("prices (edit them in the price list)")
    template_after = "admin/pricing/price_inline_after.html"  # a link to set one for this product
    hide_title = True  # the row title would be the object's ids; the columns say it all

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("channel")

    @display(description=_("shown now"))
    def shown_now(self, obj: Price) -> str:
        """What the channel shows now, with the promotion in force, if any."""
        shown = getattr(obj, "shown", None)
        if shown is None or not shown.promotion:
            return format_money(shown.amount, shown.currency) if shown else ""
        return f"{format_money(shown.amount, shown.currency)} ({shown.promotion})"

    @display(description=_("reference price (30 days)"))
    def reference_price(self, obj: Price) -> str:
        """In a promotion: the lowest price of the 30 days before it began, the price it is announced
        as reduced from (never above it)."""
        shown = getattr(obj, "shown", None)
        if shown is None or not shown.promotion:
            return ""
        if shown.reference is None:
            return str(_("no price in the 30 days before"))
        return format_money(shown.reference, shown.currency)


ProductAdmin.inlines = [*ProductAdmin.inlines, PriceInline]
from apps.pricing import admin_list as _product_list_prices  # noqa: E402, F401  (the list's prices)
