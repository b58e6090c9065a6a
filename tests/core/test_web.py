"""The admin, language choice, request ids and the health check, through real HTTP requests."""

import pytest

from apps.core.models import Role
from tests.core.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def merchandiser():
    return UserFactory(username="margot", roles=[Role.MERCHANDISER])


def test_merchandiser_sees_the_noel_themed_admin_with_only_their_menu(
    client, merchandiser, django_assert_max_num_queries
):
    client.force_login(merchandiser)
    client.get("/admin/")  # the process's content-type cache filled, as on a server already serving
    with django_assert_max_num_queries(20):
        response = client.get("/admin/")
    body = response.content.decode()
    assert response.status_code == 200
    assert "Noel" in body
    assert "/admin/core/locale/" in body
    assert "/admin/core/user/" not in body
    assert "/admin/core/auditlog/" not in body


def test_admin_login_page_is_served_with_its_static_files(client):
    response = client.get("/admin/login/")
    assert response.status_code == 200
    assert "unfold/" in response.content.decode()


def test_integrator_cannot_enter_the_admin(client):
    erp = UserFactory(username="erp", is_staff=False, roles=[Role.INTEGRATOR])
    client.force_login(erp)
    response = client.get("/admin/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_language_choice_is_kept_with_the_account_across_browsers(client, merchandiser):
    client.force_login(merchandiser)
    response = client.post("/i18n/setlang/", {"language": "fr", "next": "/admin/"})
    assert response.status_code == 302
    merchandiser.refresh_from_db()
    assert merchandiser.language == "fr"

    client.cookies.clear()  # another browser, no language cookie, English preferred
    client.force_login(merchandiser)
    page = client.get("/admin/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="fr"' in page
    assert "Tableau de bord" in page


def test_every_response_carries_a_request_id_and_keeps_a_sane_incoming_one(client):
    assert len(client.get("/admin/login/")["X-Request-ID"]) == 32
    assert client.get("/admin/login/", HTTP_X_REQUEST_ID="erp-42")["X-Request-ID"] == "erp-42"
    assert client.get("/admin/login/", HTTP_X_REQUEST_ID="bad id\n")["X-Request-ID"] != "bad id\n"


def test_healthz_answers_200_when_database_and_broker_are_up(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "broker": "ok", "status": "ok"}


def test_healthz_answers_503_naming_the_broker_when_it_is_down_but_not_where_it_lives(client, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "down" and body["database"] == "ok"
    assert body["broker"].startswith("down")
    assert "127.0.0.1" not in response.content.decode() and ":1" not in response.content.decode()


def test_a_database_that_is_down_is_named_without_its_host_or_port():
    from django.db import connection

    from apps.core import selectors

    unreachable = connection.__class__(
        {**connection.settings_dict, "HOST": "127.0.0.1", "PORT": "1", "OPTIONS": {"connect_timeout": 2}},
        alias="unreachable",
    )
    answer = selectors.database_health(unreachable)
    assert answer.startswith("down")
    assert "127.0.0.1" not in answer and "port 1" not in answer and "5432" not in answer


def test_reference_data_api_lists_active_locales_and_currencies(
    client, merchandiser, django_assert_max_num_queries
):
    client.force_login(merchandiser)
    with django_assert_max_num_queries(3):
        locales = client.get("/api/v1/locales").json()
    assert {"code": "fr_FR", "name": "Français (France)"} in locales
    assert "de_DE" not in [item["code"] for item in locales]
    currencies = {c["code"]: c["decimal_places"] for c in client.get("/api/v1/currencies").json()}
    assert currencies["EUR"] == 2 and currencies["JPY"] == 0


def test_api_refuses_anonymous_callers(client):
    assert client.get("/api/v1/locales").status_code == 401


def test_a_nul_character_in_a_url_is_refused_with_400(client):
    assert client.get("/api/v1/products/TOY%00").status_code == 400
    assert client.get("/admin/products/product/?q=a%00b").status_code == 400


def test_repeated_failed_logins_lock_the_account_for_a_while(client, merchandiser):
    merchandiser.set_password("right-password")
    merchandiser.save()
    for _ in range(5):
        client.post("/admin/login/", {"username": "margot", "password": "wrong"})
    response = client.post("/admin/login/", {"username": "margot", "password": "right-password"})
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_the_dashboard_shows_catalog_readiness_to_who_may_see_products(client, django_assert_max_num_queries):
    from apps.products import services
    from tests.products.fixtures import build_shop, texts

    shop = build_shop()
    services.product_create(actor=None, sku="TOY-1", family=shop.toys, values={"name": texts("Renne")})
    client.force_login(shop.merchandiser)
    with django_assert_max_num_queries(20):
        page = client.get("/admin/").content.decode()
    assert 'data-tile="not complete for web">1<' in page and "?incomplete=web:" in page
    body = client.get("/admin/products/product/?incomplete=web:").content.decode()
    assert "TOY-1" in body
    client.force_login(UserFactory(username="nobody", roles=[]))
    assert "not complete for" not in client.get("/admin/").content.decode()


def _login(client, username, password, address="198.51.100.7", forwarded=None):
    headers = {"X-Forwarded-For": forwarded} if forwarded else {}
    return client.post(
        "/admin/login/", {"username": username, "password": password}, REMOTE_ADDR=address, headers=headers
    )


def test_one_password_sprayed_across_many_usernames_locks_the_address(client, merchandiser, settings):
    """Each username tried once, all from one address: the address is throttled, other addresses are not."""
    settings.AXES_ADDRESS_FAILURE_LIMIT = 20
    merchandiser.set_password("Winter2026!")
    merchandiser.save()
    for n in range(20):
        _login(client, f"person{n}", "Winter2026!")
    assert _login(client, "margot", "Winter2026!").status_code == 429
    assert "_auth_user_id" not in client.session
    assert _login(client, "margot", "Winter2026!", address="198.51.100.8").status_code == 302


def test_behind_a_trusted_proxy_one_client_cannot_lock_out_another(client, merchandiser, settings):
    settings.NOEL_TRUSTED_PROXIES = ["10.0.0.0/8"]
    merchandiser.set_password("right-password")
    merchandiser.save()
    for _ in range(6):
        _login(client, "margot", "wrong", address="10.0.0.2", forwarded="203.0.113.66")
    assert (
        _login(client, "margot", "right-password", address="10.0.0.2", forwarded="203.0.113.66").status_code
        == 429
    )
    response = _login(client, "margot", "right-password", address="10.0.0.2", forwarded="192.0.2.10")
    assert response.status_code == 302  # margot at her own address, through the same proxy


def test_a_forwarded_for_header_from_an_untrusted_address_is_ignored(client, merchandiser, settings):
    """Rotating X-Forwarded-For does not escape the lock: only a configured proxy is believed."""
    settings.NOEL_TRUSTED_PROXIES = ["10.0.0.0/8"]
    merchandiser.set_password("right-password")
    merchandiser.save()
    for n in range(6):
        _login(client, "margot", "wrong", address="203.0.113.9", forwarded=f"192.0.2.{n}")
    response = _login(client, "margot", "right-password", address="203.0.113.9", forwarded="192.0.2.99")
    assert response.status_code == 429


def test_a_nul_character_in_an_api_url_gets_the_api_error_shape(client):
    response = client.get("/api/v1/products?q=a%00b")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == "bad_input"
