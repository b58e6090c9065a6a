"""The instants Noel takes from people and integrations: from 2000 up to (not including) 2100.

Anything else is a typing or encoding mistake; refused on the way in, before anything is written, it
cannot leave a row that PostgreSQL or Python later fails to read back (a feed run dated 1 AD once made
every page listing runs fail, and converting year 9999 at -23:59 to UTC overflows)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from pydantic import AfterValidator

EARLIEST_YEAR, LATEST_YEAR = 2000, 2100


def instant_problem(value: date | datetime | None) -> str | None:
    """Why an instant (or a date) is refused, or None. Judged on the year as given, before any conversion,
    which would overflow near year 1 or 9999."""
    if value is None or EARLIEST_YEAR <= value.year < LATEST_YEAR:
        return None
    return _("%(value)s is out of range: give an instant between %(earliest)s and %(latest)s") % {
        "value": value.isoformat(),
        "earliest": EARLIEST_YEAR,
        "latest": LATEST_YEAR,
    }


def instant_check(value: date | datetime | None, field: str) -> None:
    """Raise ValidationError({field: reason}) for an instant out of range."""
    if (problem := instant_problem(value)) is not None:
        raise ValidationError({field: problem}, code="instant_out_of_range")


def instant_validator(value: date | datetime | None) -> None:
    """The same check for a form field's `validators`."""
    if (problem := instant_problem(value)) is not None:
        raise ValidationError(problem, code="instant_out_of_range")


def _in_range(value: datetime) -> datetime:
    if (problem := instant_problem(value)) is not None:
        raise ValueError(problem)
    return value


# An API schema's instant: a datetime between 2000 and 2100, else a 400 naming the field.
Instant = Annotated[datetime, AfterValidator(_in_range)]
