import factory

from apps.core.models import Role
from apps.inventory.models import StockLocation
from tests.core.factories import UserFactory
from tests.inventory.factories import LocationFactory


class StoreFactory(LocationFactory):
    code = factory.Sequence(lambda n: f"STORE{n}")
    kind = StockLocation.Kind.STORE
    click_and_collect = True
    pickup_sla = StockLocation.PickupSla.SAME_DAY


def store_staff(username: str = "sam", language: str = "en"):
    """A store salesperson as the demo and user_create make them: in the group, not admin staff."""
    return UserFactory(username=username, is_staff=False, language=language, roles=[Role.STORE_STAFF])
