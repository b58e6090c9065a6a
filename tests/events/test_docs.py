"""docs/events.md's verification snippet, run against a message Noel really sent."""

from __future__ import annotations

import re

import pytest
from django.conf import settings as django_settings

from apps.events import services
from apps.products import services as product_services
from apps.products.models import Product
from tests.events.receivers import receiver

pytestmark = pytest.mark.django_db


def _snippet():
    text = (django_settings.BASE_DIR / "docs" / "events.md").read_text()
    code = re.search(r"```python\n(.*?)```", text, re.S).group(1)
    namespace: dict = {}
    exec(code, namespace)
    return namespace["verify"]


def test_the_documented_verification_accepts_noels_messages_and_refuses_tampered_ones(catalog):
    verify = _snippet()
    with receiver() as hook:
        endpoint = services.endpoint_create(actor=None, name="docs", url=hook.url)
        toy = Product.objects.get(sku="TOY-1")
        product_services.product_update(
            actor=None, product=toy, expected_version=toy.version, changes={"enabled": False}
        )
        services.outbox_dispatch()
        services.deliveries_send()
        rotated = services.endpoint_rotate_secret(actor=None, endpoint=endpoint)
        services.endpoint_send_test(actor=None, endpoint=rotated)
    first, second = hook.received
    assert verify(endpoint.secret, first.headers, first.body)
    assert not verify(endpoint.secret, first.headers, first.body.replace(b"TOY-1", b"TOY-9"))
    assert not verify(rotated.secret, first.headers, first.body)
    assert verify(endpoint.secret, second.headers, second.body)  # the previous secret, while rotating
    assert verify(rotated.secret, second.headers, second.body)


def test_the_signature_matches_the_standard_webhooks_test_vector():
    """The example of the Standard Webhooks specification, signed by Noel's signing helper."""
    from datetime import UTC, datetime

    from apps.events import signing

    header = signing.signature_header(
        ["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"],
        "msg_p5jXN8AQM9LWM0D4loKWxJek",
        datetime.fromtimestamp(1614265330, tz=UTC),
        b'{"test": 2432232314}',
    )
    assert header == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
