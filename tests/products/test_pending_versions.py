"""An approved product's pending change is a write like any other: it moves the version, so a second
writer holding the version read before it is refused (409, a form error) instead of silently replacing it."""

import threading

import pytest
from django.db import connection
from django.test import Client

from apps.products import services
from apps.products.models import PendingChange, Product
from tests.api_helpers import bearer, token_for
from tests.products.fixtures import texts
from tests.products.test_admin import URL as ADMIN_URL
from tests.products.test_admin import _form_data

API = "/api/v1/products"


def _approved(shop, sku="TOY-1", **values):
    product = services.product_create(
        actor=shop.merchandiser, sku=sku, family=shop.toys, values=values or {"name": texts("Renne")}
    )
    services.product_submit(actor=shop.merchandiser, product=product)
    return services.product_approve(actor=shop.approver, product=product)


def _patch(client, sku, body, headers):
    return client.patch(f"{API}/{sku}", body, content_type="application/json", **headers)


@pytest.mark.django_db(transaction=True)
def test_six_concurrent_patches_of_an_approved_product_let_one_through_and_refuse_five():
    from tests.products.fixtures import build_shop

    shop = build_shop()
    product = _approved(shop)
    headers = bearer(token_for())
    version = product.version
    answers: list[int] = []
    start = threading.Barrier(6)

    def writer(n: int) -> None:
        try:
            start.wait()
            body = {"version": version, "values": {"name": {"fr_FR": {"*": f"Renne {n}"}}}}
            answers.append(_patch(Client(), "TOY-1", body, headers).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(answers) == [200, 409, 409, 409, 409, 409]
    proposed = PendingChange.objects.get(product=product).changes["values"]["name"]["fr_FR"]["*"]
    live = Product.objects.get(pk=product.pk)
    assert live.values["name"]["fr_FR"]["*"] == "Renne" and live.version == version + 1
    assert proposed.startswith("Renne ")


def test_a_stale_patch_of_an_approved_product_is_refused_and_the_pending_change_kept(client, shop):
    product = _approved(shop)
    headers = bearer(token_for())
    first = _patch(
        client, "TOY-1", {"version": product.version, "values": {"name": texts("Renne A")}}, headers
    )
    assert first.status_code == 200 and first.json()["version"] == product.version + 1
    stale = _patch(
        client, "TOY-1", {"version": product.version, "values": {"name": texts("Renne B")}}, headers
    )
    assert stale.status_code == 409 and stale.json()["field"] == "version"
    assert "name-fr_FR" in stale.json()["details"]["changed"]
    assert PendingChange.objects.get(product=product).changes["values"]["name"]["fr_FR"]["*"] == "Renne A"
    fresh = _patch(client, "TOY-1", {"version": first.json()["version"], "enabled": False}, headers)
    assert fresh.status_code == 200
    pending = PendingChange.objects.get(product=product).changes
    assert pending["values"]["name"]["fr_FR"]["*"] == "Renne A" and pending["enabled"] is False


def test_a_stale_etag_is_refused_after_a_pending_change(client, shop):
    _approved(shop)
    headers = bearer(token_for())
    etag = client.get(f"{API}/TOY-1", **headers)["ETag"]
    patch = {"values": {"name": texts("Renne A")}}
    ok = client.patch(f"{API}/TOY-1", patch, content_type="application/json", HTTP_IF_MATCH=etag, **headers)
    assert ok.status_code == 200
    assert client.get(f"{API}/TOY-1", **headers)["ETag"] != etag
    again = client.patch(
        f"{API}/TOY-1", {"enabled": False}, content_type="application/json", HTTP_IF_MATCH=etag, **headers
    )
    assert again.status_code == 409


def test_the_service_refuses_a_stale_version_on_an_approved_product(shop):
    product = _approved(shop)
    services.product_update(
        actor=shop.merchandiser, product=product, expected_version=product.version,
        changes={"values": {"name": texts("Renne A")}},
    )  # fmt: skip
    with pytest.raises(services.VersionConflict, match="name-fr_FR"):
        services.product_update(
            actor=shop.merchandiser2, product=product, expected_version=product.version,
            changes={"values": {"name": texts("Renne B")}},
        )  # fmt: skip


def test_the_admin_form_refuses_a_stale_save_of_an_approved_product(shop, client):
    product = _approved(shop)
    client.force_login(shop.merchandiser2)
    stale = _form_data(product, **{"v|name|fr_FR|*": "Mon renne à moi"})
    services.product_update(
        actor=shop.merchandiser, product=product, expected_version=product.version,
        changes={"values": {"name": texts("Renne géant")}},
    )  # fmt: skip
    response = client.post(f"{ADMIN_URL}{product.pk}/change/", stale)
    assert response.status_code == 200
    body = response.content.decode()
    assert "since you opened it" in body and "Mon renne à moi" in body
    assert PendingChange.objects.get(product=product).changes["values"]["name"]["fr_FR"]["*"] == "Renne géant"


def test_the_admin_form_without_its_version_is_refused(shop, client):
    product = _approved(shop)
    client.force_login(shop.merchandiser2)
    data = _form_data(product, **{"v|name|fr_FR|*": "Mon renne à moi"})
    del data["expected_version"]
    response = client.post(f"{ADMIN_URL}{product.pk}/change/", data)
    assert response.status_code == 200 and "reload the page" in response.content.decode()
    assert not PendingChange.objects.filter(product=product).exists()


def test_the_admin_form_of_an_approved_product_shows_and_keeps_its_pending_change(shop, client):
    product = _approved(shop)
    services.product_update(
        actor=shop.merchandiser, product=product, expected_version=product.version,
        changes={"values": {"name": texts("Renne géant")}, "enabled": False},
    )  # fmt: skip
    product.refresh_from_db()
    client.force_login(shop.merchandiser2)
    page = client.get(f"{ADMIN_URL}{product.pk}/change/").content.decode()
    assert "Renne géant" in page
    # a second person saves another field from the page they read: the first person's change stays
    data = _form_data(product, **{"v|name|fr_FR|*": "Renne géant", "v|age_min|*|*": "3"})
    data.pop("enabled")  # the page showed the proposed "disabled"
    response = client.post(f"{ADMIN_URL}{product.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    pending = PendingChange.objects.get(product=product).changes
    assert pending["values"]["name"]["fr_FR"]["*"] == "Renne géant" and pending["enabled"] is False


def test_bulk_add_to_category_keeps_the_categories_a_pending_change_proposes(shop, client):
    product = _approved(shop)
    services.product_update(
        actor=shop.merchandiser, product=product, expected_version=product.version,
        changes={"categories": ["plush"]},
    )  # fmt: skip
    client.force_login(shop.merchandiser2)
    response = client.post(
        ADMIN_URL, {"action": "add_to_category", "_selected_action": [product.pk], "category": "toys"}
    )
    assert response.status_code == 302
    assert sorted(PendingChange.objects.get(product=product).changes["categories"]) == ["plush", "toys"]
