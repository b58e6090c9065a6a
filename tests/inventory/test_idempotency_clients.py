"""An Idempotency-Key belongs to the client that sent it (its token, or the person for a session): two
tills that happen to send the same key each get their sale applied; a retry by the same client is
replayed, as before."""

import pytest

from apps.core.models import ApiToken, IdempotencyKey, User
from apps.core.services import api_token_create
from apps.inventory.models import StockLevel
from apps.inventory.services import StockLine, stock_apply_batch
from tests.api_helpers import bearer, token_for
from tests.inventory.test_api import setup  # noqa: F401  (fixture)

SALE = {"lines": [{"sku": "TOY-1", "location": "WH", "delta": -1}]}


def sell(client, headers, key="sale-1"):
    return client.post(
        "/api/v1/stock/batch", SALE, content_type="application/json", HTTP_IDEMPOTENCY_KEY=key, **headers
    ).json()


@pytest.fixture
def stocked(setup):  # noqa: F811
    stock_apply_batch(actor=None, lines=[StockLine(sku="TOY-1", location="WH", quantity=10)])


def test_two_integrators_sending_the_same_key_each_get_their_sale_applied(client, stocked):
    till_a = bearer(token_for(username="till-a"))
    till_b = bearer(token_for(username="till-b"))
    first, second = sell(client, till_a), sell(client, till_b)
    assert (first["replayed"], second["replayed"]) == (False, False)
    assert StockLevel.objects.get().on_hand == 8
    assert IdempotencyKey.objects.filter(key="sale-1").count() == 2


def test_two_tokens_of_one_account_are_two_clients(client, stocked):
    till_a = token_for(username="shop")
    till_b = api_token_create(
        actor=None, user=User.objects.get(username="shop"), name="till b", scopes=["write"]
    )
    sell(client, bearer(till_a))
    assert sell(client, bearer(till_b[1]))["replayed"] is False
    assert StockLevel.objects.get().on_hand == 8 and ApiToken.objects.count() == 2


def test_a_retry_by_the_same_client_is_replayed_and_applies_nothing(client, stocked):
    till = bearer(token_for(username="till-a"))
    assert sell(client, till)["replayed"] is False
    assert sell(client, till)["replayed"] is True
    assert StockLevel.objects.get().on_hand == 9


def test_services_scope_keys_by_person_when_no_client_is_named(stocked):
    a = User.objects.create(username="a")
    b = User.objects.create(username="b")
    line = [StockLine(sku="TOY-1", location="WH", delta=-1)]
    assert stock_apply_batch(actor=a, lines=line, idempotency_key="k")["replayed"] is False
    assert stock_apply_batch(actor=b, lines=line, idempotency_key="k")["replayed"] is False
    assert stock_apply_batch(actor=a, lines=line, idempotency_key="k")["replayed"] is True
    assert StockLevel.objects.get().on_hand == 8
