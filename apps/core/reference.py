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

# ISO 4217 minor units of the currencies not quoted in cents (for a currency created from a file)
CURRENCY_DECIMALS = {
    **dict.fromkeys(["BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX"], 0),
    **dict.fromkeys(["UYI", "VND", "VUV", "XAF", "XOF", "XPF"], 0),
    **dict.fromkeys(["BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"], 3),
    **dict.fromkeys(["CLF", "UYW"], 4),
}


def reference_data_ensure() -> None:
    for code, name, active in LOCALES:
        Locale.objects.get_or_create(code=code, defaults={"name": name, "is_active": active})
    for code, name, places in CURRENCIES:
        Currency.objects.get_or_create(code=code, defaults={"name": name, "decimal_places": places})
