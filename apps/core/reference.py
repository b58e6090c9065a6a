"""The reference data every install starts with: locales and currencies (existing rows are left alone)."""

from apps.core.models import Currency, Locale

LOCALES = [
    ("fr_FR", "Français (France)", True),
    ("en_GB", "English (United Kingdom)", True),
    ("en_US", "English (United States)", False),
    ("de_DE", "Deutsch (Deutschland)", False),
    ("es_ES", "Español (España)", False),
    ("it_IT", "Italiano (Italia)", False),
    ("nl_NL", "Nederlands (Nederland)", False),
    ("fr_BE", "Français (Belgique)", False),
]
CURRENCIES = [
    ("EUR", "Euro", 2),
    ("GBP", "Pound sterling", 2),
    ("USD", "US dollar", 2),
    ("CHF", "Swiss franc", 2),
    ("SEK", "Swedish krona", 2),
    ("PLN", "Polish złoty", 2),
    ("JPY", "Yen", 0),
]


def reference_data_ensure() -> None:
    for code, name, active in LOCALES:
        Locale.objects.get_or_create(code=code, defaults={"name": name, "is_active": active})
    for code, name, places in CURRENCIES:
        Currency.objects.get_or_create(code=code, defaults={"name": name, "decimal_places": places})
