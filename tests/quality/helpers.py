"""Helpers for quality tests: run rules and read the open findings they left."""

from apps.core.models import Channel
from apps.quality import services
from apps.quality.models import Finding

# A description that names what the product is, as a good one does (the swap rule compares them).
GOOD_FR = "Jouet {sku} : un jouet de Noël pour les enfants, par Lutin."
GOOD_EN = "Toy {sku}: a Christmas toy for children, by Lutin."


def descriptions(fr, en=None):
    """The same description on every channel, in French and (a translation) English."""
    channels = list(Channel.objects.values_list("code", flat=True))
    return {"fr_FR": dict.fromkeys(channels, fr), "en_GB": dict.fromkeys(channels, en or f"EN {fr}")}


def good(feeds, sku, **values):
    """An approved, priced, stocked product that every rule leaves alone."""
    channels = list(Channel.objects.values_list("code", flat=True))
    base = {
        "name": {"fr_FR": {"*": f"Jouet {sku}"}, "en_GB": {"*": f"Toy {sku}"}},
        "description": {
            "fr_FR": dict.fromkeys(channels, GOOD_FR.format(sku=sku)),
            "en_GB": dict.fromkeys(channels, GOOD_EN.format(sku=sku)),
        },
    }
    return feeds.sellable(sku, **{**base, **values})


def check(*products, rules=None):
    return services.quality_check(product_ids=[p.pk for p in products], rule_codes=rules)


def open_findings(product, rule=None):
    queryset = Finding.objects.filter(product=product, resolved_at__isnull=True)
    if rule:
        queryset = queryset.filter(rule=rule)
    return list(queryset.order_by("rule", "channel_id", "locale"))


def rules_fired(product):
    return {f.rule for f in open_findings(product)}
