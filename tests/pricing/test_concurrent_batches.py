"""Price batches sent at once by many integrations, over the same prices in any order: every one answers
(no deadlock, no duplicate row), and the prices end as one batch left them."""

import random
import threading
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client

from apps.pricing.models import Price
from apps.products import services as product_services
from tests.api_helpers import bearer, token_for

THREADS, BATCHES = 12, 3


@pytest.mark.django_db(transaction=True)
def test_concurrent_price_batches_over_the_same_lines_in_any_order_never_fail():
    from tests.products.fixtures import build_shop

    shop = build_shop()
    skus = [f"TOY-{n}" for n in range(9)]
    for sku in skus:
        product_services.product_create(actor=None, sku=sku, family=shop.toys)
    headers = bearer(token_for())
    keys = [(sku, channel) for sku in skus for channel in ("web", "google")]  # 18 lines
    answers: list[tuple[int, str]] = []
    start = threading.Barrier(THREADS)

    def integration(n: int) -> None:
        shuffle = random.Random(n)
        try:
            start.wait()
            for batch in range(BATCHES):
                amount = f"{20 + n * BATCHES + batch}.00"  # one amount per batch, within the 50 % guard
                lines = [{"sku": sku, "channel": ch, "amount": amount} for sku, ch in keys]
                shuffle.shuffle(lines)
                response = Client(raise_request_exception=False).post(
                    "/api/v1/prices/batch",
                    {"lines": lines, "confirm": True},
                    content_type="application/json",
                    **headers,
                )
                answers.append((response.status_code, response.content.decode()[:300]))
        finally:
            connection.close()

    threads = [threading.Thread(target=integration, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(answers) == THREADS * BATCHES
    assert [a for a in answers if a[0] != 200] == []
    prices = list(Price.objects.all())
    assert len(prices) == len(keys)
    # whole batches one after the other: every price is the last batch's, none mixed from two
    assert len({p.amount for p in prices}) == 1, sorted(
        (p.product_id, p.channel_id, p.amount) for p in prices
    )
    assert prices[0].amount >= Decimal("20")
