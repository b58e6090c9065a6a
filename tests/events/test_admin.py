"""Administrators' screens: an endpoint with its delivery log, a test event, resend from an instant, a
delivery's attempts and redelivery."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation

from apps.events import services
from apps.events.models import Delivery, WebhookEndpoint
from tests.events.receivers import receiver

pytestmark = pytest.mark.django_db


def test_an_administrator_adds_an_endpoint_and_sees_its_secret_once(admin_client, catalog):
    response = admin_client.post(
        reverse("admin:events_webhookendpoint_add"),
        {"name": "shop", "url": "https://hooks.example.com/noel", "event_types": ["price.changed"]},
        follow=True,
    )
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.event_types == ["price.changed"]
    assert endpoint.secret in response.content.decode()
    page = admin_client.get(
        reverse("admin:events_webhookendpoint_change", args=[endpoint.pk])
    ).content.decode()
    assert endpoint.secret not in page


def test_a_private_address_is_refused_on_the_form(admin_client, catalog, settings):
    settings.NOEL_WEBHOOK_ALLOW_PRIVATE = False
    response = admin_client.post(
        reverse("admin:events_webhookendpoint_add"), {"name": "x", "url": "http://10.1.2.3/hooks"}
    )
    assert response.status_code == 200 and "not a public address" in response.content.decode()
    assert not WebhookEndpoint.objects.exists()


def test_test_event_resend_and_redeliver_from_the_admin(admin_client, catalog):
    with receiver() as hook:
        endpoint = services.endpoint_create(
            actor=None, name="shop", url=hook.url, event_types=["product.created"]
        )
        change = reverse("admin:events_webhookendpoint_change", args=[endpoint.pk])
        base = reverse("admin:events_webhookendpoint_changelist") + f"{endpoint.pk}/"
        assert admin_client.get(f"{change}test/").status_code == 404  # no 500 on a mistyped path
        answer = admin_client.get(f"{base}test/", follow=True).content.decode()
        assert "answered 200" in answer
        admin_client.post(f"{base}resend/", {"since_0": "2020-01-01", "since_1": "00:00"})
        assert Delivery.objects.filter(type="product.created").count() == 2
        services.deliveries_send()
        delivery = Delivery.objects.filter(type="product.created").first()
        page = admin_client.get(reverse("admin:events_delivery_change", args=[delivery.pk])).content.decode()
        assert delivery.message_id in page and "webhook-signature" in page
        admin_client.get(reverse("admin:events_delivery_changelist") + f"{delivery.pk}/redeliver/")
        services.deliveries_send()
    assert len(hook.received) == 4
    assert hook.received[-1].headers["webhook-id"] == delivery.message_id
    with translation.override("en"):
        log = admin_client.get(change).content.decode()
    assert delivery.message_id in log
