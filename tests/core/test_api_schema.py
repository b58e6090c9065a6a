"""Schemathesis against the OpenAPI document: generated requests to every operation, with an integrator's
token, and every check of schemathesis (no server error, status codes, content types, headers and bodies
as documented, negative data refused, …): the document says what the API does."""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from config.wsgi import application

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)


@pytest.fixture
def in_test_transaction():
    """The raw WSGI app closes connections at the end of each request; Django's test client stops it
    from doing so, and so must we, or the test transaction would be closed under the test."""
    signals = (request_started, request_finished)
    for signal in signals:
        signal.disconnect(close_old_connections)
    yield
    for signal in signals:
        signal.connect(close_old_connections)


@pytest.fixture
def auth(shop, in_test_transaction):
    from apps.core.models import Role
    from tests.api_helpers import token_for

    return {"Authorization": f"Bearer {token_for(roles=[Role.INTEGRATOR], username='fuzz')}"}


@schema.parametrize()
# Derandomized so that CI is reproducible, and bounded (a couple of minutes); raise max_examples locally to
# explore further.
@settings(max_examples=8, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@pytest.mark.django_db
def test_no_generated_request_breaks_the_api(case, auth):
    # Every check but "schema-valid request accepted": an empty SKU, a price of 0 or a build instant with no
    # feed are of the documented types and rightly refused (400/422) by the business rules no schema holds.
    case.call_and_validate(headers=auth, excluded_checks=[positive_data_acceptance])


def _document():
    from config.api import api

    return api.get_openapi_schema()


def _status_filter(document, path):
    (param,) = [p for p in document["paths"][path]["get"]["parameters"] if p["name"] == "status"]
    schema = param["schema"]
    if "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    options = schema.get("anyOf", [schema])
    return next(option["enum"] for option in options if "enum" in option)


def test_each_status_filter_lists_the_statuses_of_its_own_objects():
    from apps.assets.models import Asset
    from apps.campaigns.models import Campaign
    from apps.products.models import Product

    document = _document()
    assert _status_filter(document, "/api/v1/products") == list(Product.Status.values)
    assert _status_filter(document, "/api/v1/assets") == list(Asset.Status.values)
    assert _status_filter(document, "/api/v1/campaigns") == list(Campaign.Status.values)


def test_every_operation_declares_its_error_answers():
    document = _document()
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            codes = set(operation["responses"])
            assert {"400", "401", "403", "429"} <= {str(c) for c in codes}, (method, path)
            if "{" in path:
                assert "404" in {str(c) for c in codes}, (method, path)
            if method in ("post", "put", "patch", "delete"):
                assert "422" in {str(c) for c in codes}, (method, path)
            error = operation["responses"].get("401") or operation["responses"].get(401)
            assert error["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}


def test_a_write_without_credentials_gets_401_not_a_csrf_403(db):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    response = client.post("/api/v1/products", {"sku": "X"}, content_type="application/json")
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"


def test_a_signed_in_write_without_the_csrf_token_is_still_refused(db):
    from django.test import Client

    from apps.core.models import Role
    from tests.core.factories import UserFactory

    client = Client(enforce_csrf_checks=True)
    client.force_login(UserFactory(username="ada", roles=[Role.ADMIN], is_staff=True))
    response = client.post("/api/v1/products", {"sku": "X"}, content_type="application/json")
    assert response.status_code == 403


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("get", "/api/v1/products?updated_since=0.5", None),
        ("get", "/api/v1/products?updated_since=1700000000", None),
        ("post", "/api/v1/stock/batch", {"lines": [], "partial": 0}),
        ("post", "/api/v1/prices/batch", {"lines": [], "partial": False, "confirm": 0}),
    ],
)
def test_values_of_the_wrong_type_are_refused_not_coerced(client, method, path, body):
    """A number is not a date and 0 is not false: the document says so, and the API refuses them (400)."""
    from tests.api_helpers import bearer, token_for

    headers = {**bearer(token_for()), "HTTP_IDEMPOTENCY_KEY": "k-1"}
    if body is None:
        response = client.get(path, **headers)
    else:
        response = client.post(path, body, content_type="application/json", **headers)
    assert response.status_code == 400, response.content
