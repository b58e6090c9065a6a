"""Akeneo's prices: the amounts of a products file's price attribute, seeded on the channels selling in
each currency, through the price services (guard rails, history, audit)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from apps.core.models import Channel, User
from apps.pricing.models import Price
from apps.pricing.services import PriceLine, prices_apply_batch


def prices_seed(*, actor: User | None, prices: list[tuple[str, str, str]]) -> tuple[int, list[str]]:
    """The prices of an Akeneo products file (its price attribute, one amount per currency) set on the
    active channels selling in each currency, where the product has no price yet: the price list, once
    set, is Noel's, and an import never overwrites it.
    How many prices were set, and why the others were not (SKU, currency, amount each)."""
    if actor is not None and not actor.has_perm("pricing.add_price"):
        reason = _("{user} may not set prices: the file's prices were not set")
        return 0, [reason.format(user=actor.get_username())]
    channels = list(Channel.objects.filter(is_active=True).order_by("code"))
    held = set(
        Price.objects.filter(product__sku__in={sku for sku, _c, _a in prices}).values_list(
            "product__sku", "channel__code"
        )
    )
    lines = [
        PriceLine(sku=sku, channel=channel.code, amount=amount, currency=currency)
        for sku, currency, amount in prices
        for channel in channels
        if channel.currency_id == currency and (sku, channel.code) not in held
    ]
    if not lines:
        return 0, []
    result = prices_apply_batch(actor=actor, lines=lines, partial=True, keep_existing=True)
    refused = [
        _("{sku} on {channel}: {reason}").format(
            sku=error["sku"], channel=lines[error["index"]].channel, reason=error["message"]
        )
        for error in result["errors"]
    ]
    return result["created"], refused
