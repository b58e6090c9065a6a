"""What every batch write (prices, stock, imports) reports about its lines."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError


@dataclass(frozen=True)
class LineError:
    index: int
    sku: str
    field: str
    message: str


class BatchRejected(ValidationError):
    """An all-or-nothing batch with invalid lines: nothing was applied; each error names its line."""

    def __init__(self, errors: Sequence[LineError]):
        self.errors = list(errors)
        super().__init__([f"line {e.index} ({e.sku}) {e.field}: {e.message}" for e in self.errors])
