"""Webhook deliveries to real receivers on loopback: signed per Standard Webhooks, retried on timeouts, 5xx
and 429 (as Retry-After says) with the same webhook-id, never on other 4xx, in order per product, folded
when not yet tried, an endpoint failing for a day paused with its reason."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone
from standardwebhooks.webhooks import Webhook

from apps.events import services
from apps.events.models import Delivery, WebhookEndpoint
from apps.products import services as product_services
from apps.products.models import Product
from tests.events.conftest import stock
from tests.events.receivers import closed_port_url, receiver

pytestmark = pytest.mark.django_db


def _endpoint(url: str, **kwargs) -> WebhookEndpoint:
    return services.endpoint_create(actor=None, name="shop", url=url, **kwargs)


def _change(sku: str, enabled: bool) -> None:
    product = Product.objects.get(sku=sku)
    product_services.product_update(
        actor=None, product=product, expected_version=product.version, changes={"enabled": enabled}
    )


def test_a_delivery_is_signed_and_verifies_with_the_endpoints_secret(catalog):
    with receiver() as hook:
        endpoint = _endpoint(hook.url, event_types=["product.changed"])
        _change("TOY-1", False)
        services.outbox_dispatch()
        assert services.deliveries_send() == 1
    (got,) = hook.received
    body = Webhook(endpoint.secret).verify(got.body, got.headers)
    assert body["type"] == "product.changed"
    assert body["data"]["sku"] == "TOY-1" and body["data"]["product"]["enabled"] is False
    assert got.headers["webhook-id"].startswith("msg_")
    assert Delivery.objects.get().status == Delivery.Status.DELIVERED


def test_a_receiver_answering_500_then_200_gets_the_same_message_again(catalog):
    with receiver((500, {}, 0.0), (200, {}, 0.0)) as hook:
        endpoint = _endpoint(hook.url, event_types=["product.changed"])
        _change("TOY-1", False)
        services.outbox_dispatch()
        services.deliveries_send()
        delivery = Delivery.objects.get()
        assert delivery.status == "pending" and delivery.attempts == 1 and delivery.last_status == 500
        assert delivery.next_attempt_at > timezone.now()
        assert services.deliveries_send() == 0  # not due yet
        services.deliveries_send(now=delivery.next_attempt_at + timedelta(seconds=1))
    first, second = hook.received
    assert first.headers["webhook-id"] == second.headers["webhook-id"]
    assert first.body == second.body
    Webhook(endpoint.secret).verify(second.body, second.headers)
    delivery.refresh_from_db()
    assert delivery.status == "delivered" and delivery.attempt_log.count() == 2
    endpoint.refresh_from_db()
    assert endpoint.failing_since is None


def test_a_slow_receiver_times_out_and_is_retried_while_others_get_theirs(catalog, settings):
    settings.NOEL_WEBHOOK_TIMEOUT = 0.5
    with receiver((200, {}, 2.0)) as slow, receiver() as quick:
        _endpoint(slow.url, event_types=["product.changed"])
        _endpoint(quick.url, event_types=["product.changed"])
        _change("TOY-1", False)
        services.outbox_dispatch()
        services.deliveries_send()
    assert len(quick.received) == 1
    late = Delivery.objects.get(endpoint__url=slow.url)
    assert late.status == "pending" and late.last_status is None and "no answer" in late.last_error


def test_a_receiver_that_is_gone_is_retried_and_410_pauses_the_endpoint(catalog):
    endpoint = _endpoint(closed_port_url(), event_types=["product.changed"])
    _change("TOY-1", False)
    services.outbox_dispatch()
    services.deliveries_send()
    delivery = Delivery.objects.get()
    assert delivery.status == "pending" and delivery.attempts == 1  # refused connection: retried
    with receiver((410, {}, 0.0)) as gone:
        WebhookEndpoint.objects.filter(pk=endpoint.pk).update(url=gone.url)
        services.deliveries_send(now=delivery.next_attempt_at + timedelta(seconds=1))
    delivery.refresh_from_db()
    endpoint.refresh_from_db()
    assert delivery.status == "failed"
    assert endpoint.status == "paused" and "410" in endpoint.paused_reason


def test_other_4xx_are_not_retried(catalog):
    with receiver((400, {}, 0.0)) as hook:
        _endpoint(hook.url, event_types=["product.changed"])
        _change("TOY-1", False)
        services.outbox_dispatch()
        services.deliveries_send()
        services.deliveries_send(now=timezone.now() + timedelta(days=1))
    assert len(hook.received) == 1
    assert Delivery.objects.get().status == "failed"


def test_429_waits_as_long_as_retry_after_says(catalog):
    with receiver((429, {"Retry-After": "600"}, 0.0)) as hook:
        _endpoint(hook.url, event_types=["product.changed"])
        _change("TOY-1", False)
        services.outbox_dispatch()
        before = timezone.now()
        services.deliveries_send()
    delivery = Delivery.objects.get()
    assert delivery.status == "pending" and delivery.next_attempt_at >= before + timedelta(seconds=600)


def test_an_endpoint_failing_for_a_day_is_paused_with_its_reason_on_the_dashboard(catalog, admin_client):
    with receiver((503, {}, 0.0)) as hook:
        endpoint = _endpoint(hook.url, event_types=["product.changed"])
        _change("TOY-1", False)
        services.outbox_dispatch()
        services.deliveries_send()
        endpoint.refresh_from_db()
        assert endpoint.status == "active" and endpoint.failing_since is not None
        services.deliveries_send(now=timezone.now() + timedelta(hours=24, minutes=1))
    endpoint.refresh_from_db()
    delivery = Delivery.objects.get()
    assert endpoint.status == "paused" and "HTTP 503" in endpoint.paused_reason
    assert delivery.status == "failed" and "given up" in delivery.last_error
    page = admin_client.get("/admin/").content.decode()
    assert "HTTP 503" in page and "shop" in page


def test_messages_about_one_product_arrive_in_order_even_across_retries(catalog):
    with receiver((500, {}, 0.0), (200, {}, 0.0)) as hook:
        _endpoint(hook.url)
        _change("TOY-1", False)
        services.outbox_dispatch()
        services.deliveries_send()  # product.changed: 500, waits
        stock("TOY-1", 5)
        services.outbox_dispatch()
        services.deliveries_send()  # availability waits behind the product's first message
        assert len(hook.received) == 1
        services.deliveries_send(now=timezone.now() + timedelta(minutes=5))
    sequences = [json.loads(r.body)["data"].get("sequence") for r in hook.received]
    types = [json.loads(r.body)["type"] for r in hook.received]
    assert types[:2] == ["product.changed", "product.changed"] and sequences == sorted(sequences)
    assert set(types[2:]) == {"availability.changed"}


def test_rapid_changes_to_one_product_fold_into_one_message_with_the_state_at_delivery(catalog):
    with receiver() as hook:
        _endpoint(hook.url, event_types=["product.changed"])
        for enabled in (False, True, False):
            _change("TOY-1", enabled)
            services.outbox_dispatch()
        services.deliveries_send()
    (got,) = hook.received
    data = json.loads(got.body)["data"]
    assert data["changes"] == 3 and data["product"]["enabled"] is False
    assert data["product"]["version"] == Product.objects.get(sku="TOY-1").version


def test_a_rolled_back_change_is_never_sent(catalog):
    from django.db import transaction

    with receiver() as hook:
        _endpoint(hook.url)
        with pytest.raises(RuntimeError), transaction.atomic():
            _change("TOY-2", False)
            raise RuntimeError("rolled back")
        services.outbox_dispatch()
        services.deliveries_send()
    assert hook.received == []


def test_while_a_secret_is_rotated_both_secrets_sign(catalog):
    with receiver() as hook:
        endpoint = _endpoint(hook.url, event_types=["product.changed"])
        old = endpoint.secret
        endpoint = services.endpoint_rotate_secret(actor=None, endpoint=endpoint)
        _change("TOY-1", False)
        services.outbox_dispatch()
        services.deliveries_send()
    (got,) = hook.received
    assert len(got.headers["webhook-signature"].split(" ")) == 2
    Webhook(old).verify(got.body, got.headers)
    Webhook(endpoint.secret).verify(got.body, got.headers)


def test_the_address_is_checked_again_at_every_delivery(catalog, settings):
    with receiver() as hook:
        endpoint = _endpoint(hook.url, event_types=["product.changed"])
        settings.NOEL_WEBHOOK_ALLOW_PRIVATE = False  # as in production: loopback is not public
        _change("TOY-1", False)
        services.outbox_dispatch()
        services.deliveries_send()
    assert hook.received == []
    endpoint.refresh_from_db()
    assert endpoint.status == "paused" and "not a public address" in endpoint.paused_reason
    assert Delivery.objects.get().status == "failed"


def test_a_test_event_and_a_redelivery(catalog):
    with receiver() as hook:
        endpoint = _endpoint(hook.url, event_types=["product.changed"])
        test = services.endpoint_send_test(actor=None, endpoint=endpoint)
        assert test.status == "delivered"
        services.delivery_redeliver(actor=None, delivery=test)
        services.deliveries_send()
    assert [json.loads(r.body)["type"] for r in hook.received] == ["webhook.test", "webhook.test"]
    assert hook.received[0].headers["webhook-id"] == hook.received[1].headers["webhook-id"]


def test_resend_from_an_instant_sends_the_changes_since_again(catalog):
    with receiver() as hook:
        endpoint = _endpoint(hook.url, event_types=["product.created"])
        services.outbox_dispatch()  # the catalog's two products were created before the endpoint existed
        assert hook.received == []
        made = services.endpoint_resend_from(
            actor=None, endpoint=endpoint, since=timezone.now() - timedelta(hours=1)
        )
        services.deliveries_send()
    assert made == 2
    assert sorted(json.loads(r.body)["data"]["sku"] for r in hook.received) == ["TOY-1", "TOY-2"]


def test_a_channel_filter_keeps_other_channels_events_out(catalog):
    with receiver() as hook:
        _endpoint(hook.url, event_types=["availability.changed"], channels=[catalog.web])
        stock("TOY-1", 2)
        services.outbox_dispatch()
        services.deliveries_send()
    assert {json.loads(r.body)["data"]["channel"] for r in hook.received} == {"web"}
    data = json.loads(hook.received[0].body)["data"]
    assert data["available"] == 2 and data["in_stock"] is True and data["crossed_zero"] is True


@pytest.mark.django_db(transaction=True)
def test_a_sale_to_zero_through_the_api_reaches_the_receiver_after_commit(client, catalog, settings):
    """The dispatcher queued after the commit (run in-process here, as Celery is eager in tests)."""
    from tests.api_helpers import bearer, token_for

    settings.NOEL_EVENTS_DISPATCH_ON_COMMIT = True
    stock("TOY-1", 2)
    with receiver() as hook:
        _endpoint(hook.url, event_types=["availability.changed"], channels=[catalog.web])
        answer = client.post(
            "/api/v1/stock/batch",
            {"lines": [{"sku": "TOY-1", "location": "WH", "quantity": 0}]},
            content_type="application/json",
            **bearer(token_for()),
        )
        assert answer.status_code == 200
    (got,) = hook.received
    data = json.loads(got.body)["data"]
    assert data["sku"] == "TOY-1" and data["in_stock"] is False and data["crossed_zero"] is True
