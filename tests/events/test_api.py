"""The change feed, GET /api/v1/events, and the webhook endpoints' API."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections, transaction

from apps.core.models import Channel
from apps.events import services
from apps.events.models import ChangeEvent, WebhookEndpoint
from apps.products import services as product_services
from tests.api_helpers import bearer, token_for
from tests.events.conftest import stock
from tests.events.receivers import receiver

pytestmark = pytest.mark.django_db


def _all_pages(client, headers, query: str = "", limit: int = 7) -> list[int]:
    seen, cursor = [], 0
    for _page in range(1000):
        answer = client.get(f"/api/v1/events?after={cursor}&limit={limit}{query}", **headers).json()
        seen += [item["id"] for item in answer["items"]]
        if answer["next_cursor"] == cursor:
            return seen
        cursor = answer["next_cursor"]
    raise AssertionError("the feed never ends")


def test_paging_the_change_feed_sees_every_entry_once_in_order(client, catalog):
    for n in range(12):
        product_services.product_create(actor=None, sku=f"PAGE-{n}", family=catalog.toys)
    services.outbox_dispatch()
    erp = bearer(token_for())
    seen = _all_pages(client, erp)
    assert seen == list(ChangeEvent.objects.order_by("id").values_list("id", flat=True))
    assert len(seen) == len(set(seen)) >= 14


def test_a_page_costs_a_fixed_number_of_queries(client, catalog, django_assert_max_num_queries):
    for n in range(30):
        product_services.product_create(actor=None, sku=f"Q-{n}", family=catalog.toys)
    services.outbox_dispatch()
    erp = bearer(token_for())
    client.get("/api/v1/events?limit=5", **erp)
    with django_assert_max_num_queries(8):
        answer = client.get("/api/v1/events?limit=100", **erp)
    assert len(answer.json()["items"]) == 32


def test_the_feed_filters_by_type_and_a_limited_token_sees_only_its_channels(client, catalog):
    stock("TOY-1", 4)
    services.outbox_dispatch()
    web_only = bearer(token_for(channels=[Channel.objects.get(code="web")], username="web-erp"))
    items = client.get("/api/v1/events?types=availability.changed", **web_only).json()["items"]
    assert {i["channel"] for i in items} == {"web"} and {i["sku"] for i in items} == {"TOY-1"}
    asked = client.get("/api/v1/events?types=availability.changed&channel=google", **web_only).json()["items"]
    assert asked == []
    everything = bearer(token_for())
    both = client.get("/api/v1/events?types=availability.changed", **everything).json()["items"]
    assert {i["channel"] for i in both} == {"web", "google"}
    assert client.get("/api/v1/events?types=nonsense", **everything).status_code == 400  # a bad filter
    assert client.get(f"/api/v1/events?after={2**63}", **everything).status_code == 400
    assert client.get(f"/api/v1/webhooks/{2**63}", **everything).status_code == 404


@pytest.mark.django_db(transaction=True)
def test_entries_appear_in_id_order_even_when_dispatchers_overlap(shop):
    """Two dispatchers at once: the second waits for the first to commit, so a reader that saw id N
    never later finds an id below N."""
    product_services.product_create(actor=None, sku="RACE-0", family=shop.toys)
    started, release = threading.Event(), threading.Event()

    def slow_dispatcher():
        try:
            with transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_xact_lock(%s)", [services._DISPATCH_LOCK])
                started.set()
                release.wait(10)
                services.outbox_dispatch()
        finally:
            connections.close_all()

    thread = threading.Thread(target=slow_dispatcher)
    thread.start()
    started.wait(10)
    product_services.product_create(actor=None, sku="RACE-1", family=shop.toys)
    second = threading.Thread(target=lambda: (services.outbox_dispatch(), connections.close_all()))
    second.start()
    second.join(0.5)
    assert second.is_alive(), "the second dispatcher waits for the first"
    assert not ChangeEvent.objects.exists()
    release.set()
    thread.join(10)
    second.join(10)
    ids = list(ChangeEvent.objects.order_by("id").values_list("sku", flat=True))
    assert ids == ["RACE-0", "RACE-1"]


def test_an_integrator_adds_an_endpoint_and_sees_only_their_own(client, catalog):
    erp = bearer(token_for())
    other = bearer(token_for(username="crm"))
    created = client.post(
        "/api/v1/webhooks",
        {"name": "shop", "url": "https://hooks.example.com/noel", "event_types": ["price.changed"]},
        content_type="application/json",
        **erp,
    )
    assert created.status_code == 201
    body = created.json()
    assert body["secret"].startswith("whsec_") and body["event_types"] == ["price.changed"]
    assert [e["id"] for e in client.get("/api/v1/webhooks", **erp).json()] == [body["id"]]
    assert client.get("/api/v1/webhooks", **other).json() == []
    assert client.get(f"/api/v1/webhooks/{body['id']}", **other).status_code == 404
    assert "secret" not in client.get(f"/api/v1/webhooks/{body['id']}", **erp).json()


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1/hooks", "http://10.0.0.5/x", "http://169.254.169.254/latest", "ftp://example.com/x",
     "http://localhost:8000/x", "not a url", "http://[::1", "http://example.com:99999/x"],
)  # fmt: skip
def test_an_endpoint_must_be_a_public_http_address(client, catalog, settings, url):
    settings.NOEL_WEBHOOK_ALLOW_PRIVATE = False
    answer = client.post(
        "/api/v1/webhooks", {"url": url}, content_type="application/json", **bearer(token_for())
    )
    assert answer.status_code == 422 and answer.json()["field"] == "url"
    assert not WebhookEndpoint.objects.exists()


def test_a_token_limited_to_a_channel_makes_endpoints_limited_to_it(client, catalog):
    web_only = bearer(token_for(channels=[Channel.objects.get(code="web")], username="web-erp"))
    answer = client.post(
        "/api/v1/webhooks",
        {"url": "https://hooks.example.com/a"},
        content_type="application/json",
        **web_only,
    )
    assert answer.status_code == 201 and answer.json()["channels"] == ["web"]
    refused = client.post(
        "/api/v1/webhooks",
        {"url": "https://hooks.example.com/b", "channels": ["google"]},
        content_type="application/json",
        **web_only,
    )
    assert refused.status_code == 403


def test_unknown_event_types_are_refused_by_name(client, catalog):
    answer = client.post(
        "/api/v1/webhooks",
        {"url": "https://hooks.example.com/a", "event_types": ["product.exploded"]},
        content_type="application/json",
        **bearer(token_for()),
    )
    assert answer.status_code == 422 and "product.exploded" in answer.json()["message"]


def test_through_the_api_an_integrator_tests_pauses_and_lists_deliveries(client, catalog):
    erp = bearer(token_for())
    with receiver() as hook:
        made = client.post(
            "/api/v1/webhooks", {"url": hook.url}, content_type="application/json", **erp
        ).json()
        sent = client.post(f"/api/v1/webhooks/{made['id']}/test", **erp).json()
        assert sent["status"] == "delivered" and sent["last_status"] == 200
        paused = client.patch(
            f"/api/v1/webhooks/{made['id']}", {"status": "paused"}, content_type="application/json", **erp
        ).json()
        assert paused["status"] == "paused" and paused["paused_reason"]
        log = client.get(f"/api/v1/webhooks/{made['id']}/deliveries", **erp).json()
        assert [d["type"] for d in log] == ["webhook.test"]
    assert len(hook.received) == 1
