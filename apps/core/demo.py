"""Demo data of the core app: one account per role, so anyone can try each part of Noel."""

from __future__ import annotations

from typing import TextIO

from apps.core.models import Channel, Currency, Locale, Role, User
from apps.core.services import user_create

DEMO_PASSWORD = "noel-demo-2026"
DEMO_USERS = [
    ("merchandiser", "Margot", "Merchandiser", [Role.MERCHANDISER], "fr"),
    ("merchandiser2", "Malik", "Merchandiser", [Role.MERCHANDISER], "en"),
    ("marketer", "Léa", "Marketer", [Role.MARKETER], "fr"),
    ("approver", "Arthur", "Approver", [Role.APPROVER], "en"),
    ("channels", "Chloé", "Channel manager", [Role.CHANNEL_MANAGER], "fr"),
    ("integrator", "ERP", "Integration", [Role.INTEGRATOR], ""),
    ("store", "Sam", "Store staff", [Role.STORE_STAFF], "fr"),
    ("admin", "Ada", "Admin", [Role.ADMIN], "en"),
]


CHANNELS = [
    ("web", "Web shop", Channel.Kind.WEB, ["fr_FR", "en_GB"], "https://shop.noel.example"),
    ("google", "Google Merchant", Channel.Kind.GOOGLE, ["fr_FR"], "https://shop.noel.example"),
    ("meta", "Meta catalog", Channel.Kind.META, ["fr_FR"], "https://shop.noel.example"),
    ("marketplace", "Marketplace", Channel.Kind.MARKETPLACE, ["fr_FR", "en_GB"], ""),
    ("stores", "Stores", Channel.Kind.STORE, ["fr_FR"], ""),
]


def seed(*, products: int, out: TextIO) -> None:
    euro = Currency.objects.get(code="EUR")
    for code, name, kind, locales, base_url in CHANNELS:
        channel, _created = Channel.objects.get_or_create(
            code=code, defaults={"name": name, "kind": kind, "currency": euro, "base_url": base_url}
        )
        channel.locales.add(*Locale.objects.filter(code__in=locales))
    out.write(f"Demo logins (password for all: {DEMO_PASSWORD}):\n")
    for username, first, last, roles, language in DEMO_USERS:
        if User.objects.filter(username=username).exists():
            state = "exists, left as it is"
        else:
            user_create(
                username=username,
                password=DEMO_PASSWORD,
                roles=roles,
                first_name=first,
                last_name=last,
                language=language,
                email=f"{username}@noel.example",
            )
            state = "created"
        out.write(f"  {username:<14} {', '.join(str(r.label) for r in roles):<18} ({state})\n")
