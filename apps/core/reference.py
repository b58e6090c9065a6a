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
    ("EUR", "Euro"),
    ("GBP", "Pound sterling"),
    ("USD", "US dollar"),
    ("CHF", "Swiss franc"),
    ("SEK", "Swedish krona"),
    ("PLN", "Polish złoty"),
    ("JPY", "Yen"),
]


def reference_data_ensure() -> None:
    for code, name, active in LOCALES:
        Locale.objects.get_or_create(code=code, defaults={"name": name, "is_active": active})
    for code, name in CURRENCIES:
        Currency.objects.get_or_create(code=code, defaults={"name": name})
