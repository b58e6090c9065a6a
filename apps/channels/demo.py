"""Demo feeds: Google Merchant (its products, and the promotions of the approved campaigns), Meta, the web
shop, the marketplace and the stores' local inventory, each with a schedule; the beat job builds them as
soon as `make run` starts its worker."""

from __future__ import annotations

from typing import TextIO

from apps.channels import services
from apps.channels.models import Feed
from apps.core.models import Channel

F = Feed.Format
# channel, file name, format, locale, cron
FEEDS = [
    ("google", "products", F.GOOGLE, "fr_FR", "*/30 * * * *"),
    ("google", "promotions", F.GOOGLE_PROMOTIONS, "fr_FR", "*/30 * * * *"),
    ("stores", "local-inventory", F.GOOGLE_LOCAL, "fr_FR", "*/15 * * * *"),
    ("meta", "catalog", F.META, "fr_FR", "0 * * * *"),
    ("web", "catalog", F.JSONL, "fr_FR", "*/10 * * * *"),
    ("marketplace", "offers", F.CSV, "fr_FR", "0 */2 * * *"),
]


def seed(*, products: int, out: TextIO) -> None:
    channels = {c.code: c for c in Channel.objects.all()}
    for code, name, format, locale, cron in FEEDS:
        channel = channels.get(code)
        if channel is None or Feed.objects.filter(channel=channel, name=name).exists():
            continue
        options = {
            "strip_html": code != "web",
            "sold_out": "drop" if code == "marketplace" else "out_of_stock",
        }
        services.feed_create(
            actor=None, channel=channel, name=name, format=format, locale=locale, cron=cron, **options
        )
        if not channel.pull_tokens.exists():
            token = services.pull_token_create(actor=None, channel=channel)
            out.write(f"Feed {code}/{name}: pull token (shown once) {token}\n")
