"""Store staff use their store page only: the API answers 401 to a store-staff account's token (and to
their session), and no token is issued to them; integrators and other roles keep the API."""

import pytest
from django.core.exceptions import ValidationError

from apps.core.models import Role
from apps.core.services import api_token_create
from tests.api_helpers import bearer, token_for
from tests.core.factories import UserFactory


def test_a_store_staff_token_is_refused_with_401(client, shop):
    from apps.core.models import ApiToken, User

    user = UserFactory(username="stella", is_staff=False, roles=[Role.STORE_STAFF])
    token = ApiToken(user=user, name="till", prefix="abcd1234", scopes=["read"])
    from apps.core import tokens

    raw = "noel_abcd1234_secret"
    token.key_hash = tokens.digest(raw)
    token.save()  # issued before this rule, or by hand in the database
    for url in ("/api/v1/products", "/api/v1/channels", "/api/v1/products/export"):
        assert client.get(url, **bearer(raw)).status_code == 401, url
    assert User.objects.get(username="stella").is_active


def test_no_token_is_issued_to_store_staff(shop):
    user = UserFactory(username="stella", is_staff=False, roles=[Role.STORE_STAFF])
    with pytest.raises(ValidationError):
        api_token_create(actor=None, user=user, name="till", scopes=["read"])


def test_a_store_staff_session_gets_401_from_the_api(client, shop):
    client.force_login(UserFactory(username="stella", is_staff=False, roles=[Role.STORE_STAFF]))
    assert client.get("/api/v1/products").status_code == 401


def test_someone_with_another_role_as_well_keeps_the_api(client, shop):
    raw = token_for(roles=[Role.STORE_STAFF, Role.INTEGRATOR], username="both")
    assert client.get("/api/v1/products", **bearer(raw)).status_code == 200


def test_the_token_form_says_why_store_staff_get_no_token(client, shop):
    user = UserFactory(username="stella", is_staff=False, roles=[Role.STORE_STAFF])
    client.force_login(UserFactory(username="ada", roles=[Role.ADMIN]))
    response = client.post("/admin/core/apitoken/add/", {"user": user.pk, "name": "till", "scopes": ["read"]})
    assert response.status_code == 200 and "may not use the API" in response.content.decode()
