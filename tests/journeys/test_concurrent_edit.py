"""Journey 5: two merchandisers edit the same product; the second sees the conflict and keeps their input."""

import pytest

from apps.core.models import Role
from apps.products import services
from apps.products.models import Product
from tests.core.factories import UserFactory
from tests.journeys.conftest import screenshot
from tests.products.fixtures import build_shop, texts

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_second_editor_sees_the_conflict_and_keeps_their_input(login, live_server):
    shop = build_shop()
    for name in ("margot", "malik"):
        user = UserFactory(username=f"{name}.b", roles=[Role.MERCHANDISER], language="en")
        user.set_password("pw-noel-2026")
        user.save()
    product = services.product_create(
        actor=None, sku="TOY-1", family=shop.toys, values={"name": texts("Renne")}
    )
    url = f"{live_server.url}/admin/products/product/{product.pk}/change/"

    margot, malik = login("margot.b", "pw-noel-2026"), login("malik.b", "pw-noel-2026")
    margot.goto(url)
    malik.goto(url)
    margot.fill('input[name="v|name|fr_FR|*"]', "Renne en peluche")
    margot.click('button[name="_continue"]')
    margot.wait_for_load_state()

    malik.fill('input[name="v|name|fr_FR|*"]', "Renne de Malik")
    malik.click('button[name="_continue"]')
    malik.wait_for_load_state()
    body = malik.content()
    screenshot(malik, "journey5-conflict")

    assert "was changed by margot.b" in body and "name-fr_FR" in body
    assert malik.input_value('input[name="v|name|fr_FR|*"]') == "Renne de Malik"
    assert Product.objects.get(pk=product.pk).values["name"]["fr_FR"]["*"] == "Renne en peluche"
