"""Pricing fixtures shared by the apps that read effective prices (feeds, the store page)."""

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from apps.pricing import modifiers

PARIS = ZoneInfo("Europe/Paris")


@pytest.fixture
def christmas():
    """A −20 % price modifier live from 1 to 26 December 2026 (Paris time), without any campaign: what the
    readers of effective prices must show while a promotion runs. Yields its start."""
    start, end = datetime(2026, 12, 1, tzinfo=PARIS), datetime(2026, 12, 26, tzinfo=PARIS)

    def twenty_percent(rows, at):
        if not start <= at < end:
            return {}
        return {
            (p, c): modifiers.Adjustment(base * Decimal("0.8"), "XMAS", start, end) for p, c, base in rows
        }

    modifiers.price_modifier_register(twenty_percent)
    yield start
    modifiers.price_modifier_unregister(twenty_percent)
