import pytest
import time_machine

from tests.campaigns.factories import NOW, build_christmas


@pytest.fixture
def xmas(shop):
    with time_machine.travel(NOW, tick=False):
        return build_christmas(shop)


@pytest.fixture
def clock(xmas):
    """The clock stopped on 2 November 2026; move it with clock.move_to(...)."""
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller
