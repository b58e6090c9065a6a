"""The merchandiser's admin screens, through real requests."""

import re

import pytest
from django.test import Client

from apps.core.models import Role, User
from apps.products import services
from apps.products.models import Completeness, PendingChange, Product
from tests.core.factories import UserFactory
from tests.products.fixtures import texts

URL = "/admin/products/product/"


@pytest.fixture
def catalog(shop):
    for n in range(30):
        services.product_create(
            actor=shop.merchandiser,
            sku=f"TOY-{n:03d}",
            family=shop.toys,
            categories=["plush" if n % 2 else "toys"],
            values={
                "name": texts(f"Renne {n}", f"Reindeer {n}"),
                "description": {"fr_FR": {"web": "Doux"}} if n % 3 else {},
            },
        )
    return shop


@pytest.fixture
def merch_client(client, shop):
    client.force_login(shop.merchandiser)
    return client


@pytest.mark.parametrize(
    "query",
    [
        "",
        "?q=renne",
        "?q=TOY-01",
        "?status__exact=draft",
        "?category=toys",
        "?incomplete=web:fr_FR",
        "?family__id__exact=1",
    ],
)
def test_product_list_answers_in_a_bounded_number_of_queries_whatever_the_filter(
    catalog, merch_client, django_assert_max_num_queries, query
):
    with django_assert_max_num_queries(20):
        response = merch_client.get(URL + query)
    assert response.status_code == 200


def test_product_list_shows_names_status_and_completeness(catalog, merch_client):
    body = merch_client.get(URL + "?q=TOY-003").content.decode()
    assert "TOY-003" in body
    assert "Reindeer 3" in body or "Renne 3" in body
    assert "web 50%" in body and "fr_FR 50%: description" in body


def test_search_finds_by_name_words_in_any_locale_and_by_sku_prefix(catalog, merch_client):
    body = merch_client.get(URL + "?q=reindeer 12").content.decode()
    assert "TOY-012" in body and "TOY-013" not in body
    assert "TOY-029" in merch_client.get(URL + "?q=toy-02").content.decode()


def test_category_filter_includes_subcategories(catalog, merch_client):
    body = merch_client.get(URL + "?category=toys").content.decode()
    assert "TOY-001" in body and "TOY-002" in body
    body = merch_client.get(URL + "?category=plush").content.decode()
    assert "TOY-001" in body and "TOY-002" not in body


def test_incomplete_filter_shows_what_is_not_ready(catalog, merch_client):
    body = merch_client.get(URL + "?incomplete=web:fr_FR").content.decode()
    assert "TOY-000" in body and "TOY-001" not in body


MANAGEMENT = re.compile(r'name="([\w-]+-(?:TOTAL|INITIAL|MIN_NUM|MAX_NUM)_FORMS)"[^>]*value="(\d*)"')


def _form_data(product, **overrides):
    """What the browser posts: the base fields, the inlines' management forms as the page gives them."""
    page = Client()
    page.force_login(product.updated_by or User.objects.filter(is_superuser=False).first())
    html = page.get(f"{URL}{product.pk}/change/").content.decode()
    data = dict(MANAGEMENT.findall(html))
    data |= {
        "sku": product.sku,
        "gtin": product.gtin or "",
        "family": product.family_id,
        "enabled": "on",
        "categories": product.categories,
        "expected_version": product.version,
        "v|name|fr_FR|*": "",
        "_save": "Save",
    }
    data.update(overrides)
    return data


def test_merchandiser_creates_then_fills_a_product_in_its_family_form(shop, merch_client):
    response = merch_client.post(
        URL + "add/", {"sku": "TOY-NEW", "family": shop.toys.pk, "enabled": "on", "_continue": "1"}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    product = Product.objects.get(sku="TOY-NEW")
    page = merch_client.get(f"{URL}{product.pk}/change/").content.decode()
    assert 'name="v|name|fr_FR|*"' in page and 'name="v|description|en_GB|web"' in page
    response = merch_client.post(
        f"{URL}{product.pk}/change/",
        _form_data(
            product,
            **{
                "v|name|fr_FR|*": "Renne",
                "v|name|en_GB|*": "Reindeer",
                "v|age_min|*|*": "3",
                "v|weight|*|*|amount": "250",
                "v|weight|*|*|unit": "GRAM",
            },
        ),
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    product.refresh_from_db()
    assert product.values["name"] == {"fr_FR": {"*": "Renne"}, "en_GB": {"*": "Reindeer"}}
    assert product.values["weight"] == {"*": {"*": {"amount": "250", "unit": "GRAM"}}}
    assert product.version == 2


def test_a_bad_value_is_shown_on_its_field_and_nothing_saved(shop, merch_client):
    product = services.product_create(actor=shop.merchandiser, sku="TOY-1", family=shop.toys)
    response = merch_client.post(f"{URL}{product.pk}/change/", _form_data(product, **{"v|age_min|*|*": "40"}))
    assert response.status_code == 200
    assert "40 is above the maximum 18" in response.content.decode()
    product.refresh_from_db()
    assert product.version == 1


def test_the_second_of_two_editors_sees_the_conflict_and_keeps_their_input(shop, merch_client):
    product = services.product_create(
        actor=shop.merchandiser2, sku="TOY-1", family=shop.toys, values={"name": texts("Renne")}
    )
    stale = _form_data(product, **{"v|name|fr_FR|*": "Mon renne à moi"})
    services.product_update(
        actor=shop.merchandiser2,
        product=product,
        expected_version=1,
        changes={"values": {"name": texts("Renne géant")}},
    )
    response = merch_client.post(f"{URL}{product.pk}/change/", stale)
    body = response.content.decode()
    assert response.status_code == 200
    assert "was changed by malik" in body and "name-fr_FR" in body
    assert "Mon renne à moi" in body
    assert Product.objects.get(pk=product.pk).values["name"]["fr_FR"]["*"] == "Renne géant"


def test_versions_page_shows_diffs_and_reverts(shop, merch_client):
    product = services.product_create(
        actor=shop.merchandiser, sku="TOY-1", family=shop.toys, values={"name": texts("Renne")}
    )
    services.product_update(
        actor=shop.merchandiser,
        product=product,
        expected_version=1,
        changes={"values": {"name": texts("Renne géant")}},
    )
    page = merch_client.get(f"{URL}{product.pk}/versions/").content.decode()
    assert "name-fr_FR" in page and "Renne géant" in page and "margot" in page
    first = product.events.order_by("pgh_id").first()
    response = merch_client.post(f"{URL}{product.pk}/versions/", {"event_id": first.pgh_id})
    assert response.status_code == 302
    product.refresh_from_db()
    assert product.values["name"]["fr_FR"]["*"] == "Renne" and product.version == 3


def test_bulk_submit_then_approve_by_an_approver(catalog, client):
    client.force_login(catalog.merchandiser)
    skus = ["TOY-000", "TOY-001"]
    pks = list(Product.objects.filter(sku__in=skus).values_list("pk", flat=True))
    client.post(URL, {"action": "submit_selected", "_selected_action": pks})
    assert set(Product.objects.filter(pk__in=pks).values_list("status", flat=True)) == {"in_review"}
    client.force_login(catalog.approver)
    client.post(URL, {"action": "approve_selected", "_selected_action": pks})
    assert set(Product.objects.filter(pk__in=pks).values_list("status", flat=True)) == {"approved"}


def test_an_approved_product_edited_in_the_admin_becomes_a_pending_change(shop, merch_client):
    product = services.product_create(
        actor=shop.merchandiser, sku="TOY-1", family=shop.toys, values={"name": texts("Renne")}
    )
    services.product_submit(actor=shop.merchandiser, product=product)
    product = services.product_approve(actor=shop.approver, product=product)
    merch_client.post(f"{URL}{product.pk}/change/", _form_data(product, **{"v|name|fr_FR|*": "Renne géant"}))
    assert Product.objects.get(pk=product.pk).values["name"]["fr_FR"]["*"] == "Renne"
    assert PendingChange.objects.filter(product=product).exists()


def test_store_staff_cannot_open_the_product_admin(client, shop):
    client.force_login(UserFactory(username="sam", is_staff=False, roles=[Role.STORE_STAFF]))
    assert client.get(URL).status_code == 302


def test_completeness_is_stored_for_every_channel_locale(catalog):
    stored = Completeness.objects.get(product__sku="TOY-000")
    assert sum(len(locales) for locales in stored.scores.values()) == 3


def test_missing_image_filter_lists_products_without_their_familys_image(shop, merch_client):
    from apps.products.models import Attribute

    image = Attribute.objects.create(
        code="main_image", type=Attribute.Type.MEDIA, group=shop.toys.attributes.first().group
    )
    shop.toys.attributes.add(image)
    shop.toys.image_attribute = image
    shop.toys.save()
    services.product_create(
        actor=shop.merchandiser, sku="WITH", family=shop.toys, values={"main_image": {"*": {"*": "a.jpg"}}}
    )
    services.product_create(actor=shop.merchandiser, sku="WITHOUT", family=shop.toys)
    body = merch_client.get(URL + "?image=missing").content.decode()
    assert "WITHOUT" in body and ">WITH<" not in body


def test_bulk_add_to_category_versions_each_product(catalog, merch_client):
    pks = list(Product.objects.filter(sku__in=["TOY-000", "TOY-002"]).values_list("pk", flat=True))
    merch_client.post(URL, {"action": "add_to_category", "category": "decorations", "_selected_action": pks})
    for product in Product.objects.filter(pk__in=pks):
        assert "decorations" in product.categories and product.version == 2


def test_associations_are_edited_as_skus_and_checked(shop, merch_client):
    other = services.product_create(actor=shop.merchandiser, sku="TOY-2", family=shop.toys)
    product = services.product_create(actor=shop.merchandiser, sku="TOY-1", family=shop.toys)
    response = merch_client.post(
        f"{URL}{product.pk}/change/", _form_data(product, **{"assoc|X_SELL": "TOY-2, GHOST"})
    )
    assert (
        response.status_code == 200 and "associated product GHOST does not exist" in response.content.decode()
    )
    response = merch_client.post(
        f"{URL}{product.pk}/change/", _form_data(product, **{"assoc|X_SELL": "TOY-2"})
    )
    assert response.status_code == 302
    product.refresh_from_db()
    assert product.associations == {"X_SELL": [other.sku]}


def test_products_sort_by_completeness_for_the_filtered_channel(catalog, merch_client):
    body = merch_client.get(URL + "?incomplete=web:en_GB&o=5").content.decode()
    skus = re.findall(r">(TOY-\d{3})<", body)
    assert skus and skus[0] in {f"TOY-{n:03d}" for n in range(0, 30, 3)}, skus[:5]
    assert "50 %" in body
