"""Template filters for what every admin page shows the same way: money in the person's language."""

from django import template

from apps.core.money import format_money

register = template.Library()


@register.filter
def money(amount, currency: str) -> str:
    """{{ price.amount|money:price.currency }} → "21,90 €" in French, "€21.90" in English."""
    return format_money(amount, currency) if currency else "—"
