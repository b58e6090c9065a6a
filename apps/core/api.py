"""Reference data for integrators: the locales and currencies codes used everywhere else."""

from ninja import Router, Schema

from apps.core import selectors

router = Router(tags=["reference data"])


class LocaleOut(Schema):
    code: str
    name: str


class CurrencyOut(Schema):
    code: str
    name: str
    decimal_places: int


@router.get("/locales", response=list[LocaleOut])
def list_locales(request):
    return list(selectors.active_locales())


@router.get("/currencies", response=list[CurrencyOut])
def list_currencies(request):
    return list(selectors.active_currencies())
