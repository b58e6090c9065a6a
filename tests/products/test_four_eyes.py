"""Four eyes on products: nobody who contributed to what is being approved may approve it, on every path.

A contributor is anyone who edited the product or its pending change since its last approval (by form,
API, import or bulk creation), or submitted it. Administrators are not exempt."""

import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from apps.core.models import Role
from apps.exchange.flat.imports import products_import
from apps.products import selectors, services
from apps.products.models import PendingChange, Product
from tests.api_helpers import bearer
from tests.core.factories import UserFactory
from tests.products.fixtures import texts

URL = "/admin/products/product/"
API = "/api/v1/products"


@pytest.fixture
def admin_user(shop):
    return UserFactory(username="ada", roles=[Role.ADMIN], is_superuser=True)


def create(shop, sku="TOY-1", actor=None):
    return services.product_create(actor=actor, sku=sku, family=shop.toys, values={"name": texts("Renne")})


def approved(shop, sku="TOY-1"):
    product = create(shop, sku, actor=shop.merchandiser)
    services.product_submit(actor=shop.merchandiser, product=product)
    return services.product_approve(actor=shop.approver, product=product)


def edit(actor, product, **values):
    product = Product.objects.get(pk=product.pk)
    return services.product_update(
        actor=actor, product=product, expected_version=product.version, changes={"values": values}
    )


def two_hands_change(shop, admin_user, sku="TOY-1"):
    """An approved product: the administrator edits it (a pending change), a merchandiser edits another
    field and submits."""
    product = approved(shop, sku)
    edit(admin_user, product, name=texts("Renne doré"))
    edit(shop.merchandiser2, product, brand={"*": {"*": "Lutin"}})
    return services.product_submit(actor=shop.merchandiser2, product=product)


def unchanged(product):
    """Still approved, its pending change still submitted, at the version `product` was read at."""
    stored = Product.objects.get(pk=product.pk)
    pending = PendingChange.objects.get(product=stored)
    return stored.status == "approved" and stored.version == product.version and pending.submitted


def test_an_administrator_who_edited_a_pending_change_may_not_approve_it_after_another_submits(
    shop, admin_user
):
    product = two_hands_change(shop, admin_user)
    with pytest.raises(PermissionDenied, match="ada may not approve TOY-1: they edited it") as refused:
        services.product_approve(actor=admin_user, product=product)
    assert "another approver must approve it" in str(refused.value)
    assert unchanged(product)
    with pytest.raises(PermissionDenied, match="ada may not send back TOY-1"):
        services.product_reject(actor=admin_user, product=product, comment="no")
    assert unchanged(product)


def test_counting_contributors_makes_no_version(shop, admin_user):
    product = approved(shop)
    edit(admin_user, product, name=texts("Renne doré"))
    versions = product.events.count()
    services.product_submit(actor=shop.merchandiser, product=product)
    assert product.events.count() == versions
    assert sorted(Product.objects.get(pk=product.pk).contributors) == sorted(
        [admin_user.pk, shop.merchandiser.pk]
    )


def test_the_submitter_may_not_approve_even_with_the_right_to(shop, admin_user):
    product = approved(shop)
    edit(shop.merchandiser, product, brand={"*": {"*": "Lutin"}})
    services.product_submit(actor=admin_user, product=product)
    with pytest.raises(PermissionDenied, match="ada may not approve TOY-1: they submitted it"):
        services.product_approve(actor=admin_user, product=product)


def test_a_draft_edited_by_the_administrator_then_submitted_by_another_is_refused_to_the_administrator(
    shop, admin_user
):
    product = create(shop, actor=admin_user)
    edit(shop.merchandiser, product, brand={"*": {"*": "Lutin"}})
    services.product_submit(actor=shop.merchandiser, product=product)
    with pytest.raises(PermissionDenied, match="they edited it"):
        services.product_approve(actor=admin_user, product=product)
    assert Product.objects.get(pk=product.pk).status == "in_review"


def test_a_third_person_approves_and_a_new_cycle_starts(shop, admin_user):
    product = two_hands_change(shop, admin_user)
    applied = services.product_approve(actor=shop.approver, product=product)
    assert applied.status == "approved" and applied.values["brand"] == {"*": {"*": "Lutin"}}
    assert applied.values["name"]["fr_FR"]["*"] == "Renne doré"
    assert Product.objects.get(pk=product.pk).contributors == []
    # the next change is someone else's: the administrator, who contributed to the last one, may approve it
    edit(shop.merchandiser, product, brand={"*": {"*": "Noel"}})
    services.product_submit(actor=shop.merchandiser, product=product)
    again = services.product_approve(actor=admin_user, product=product)
    assert again.values["brand"] == {"*": {"*": "Noel"}}


def test_the_admin_bulk_approve_approves_the_others_and_names_the_refused_by_sku(shop, admin_user, client):
    mine = two_hands_change(shop, admin_user, "TOY-1")
    other = approved(shop, "TOY-2")
    edit(shop.merchandiser, other, brand={"*": {"*": "Noel"}})
    services.product_submit(actor=shop.merchandiser, product=other)
    client.force_login(admin_user)
    response = client.post(
        URL, {"action": "approve_selected", "_selected_action": [mine.pk, other.pk]}, follow=True
    )
    page = response.content.decode()
    assert "1 product(s) approved." in page
    assert "ada may not approve TOY-1" in page and "they edited it" in page
    assert unchanged(mine)
    assert not PendingChange.objects.filter(product=other).exists()
    assert Product.objects.get(pk=other.pk).values["brand"] == {"*": {"*": "Noel"}}


def test_the_api_refuses_a_contributor_with_403_and_changes_nothing(shop, admin_user, client):
    from apps.core.services import api_token_create

    product = two_hands_change(shop, admin_user)
    raw = api_token_create(actor=None, user=admin_user, name="t", scopes=["read", "write"])[1]
    response = client.post(
        f"{API}/TOY-1/approve", {"comment": ""}, content_type="application/json", **bearer(raw)
    )
    assert response.status_code == 403 and "ada may not approve TOY-1" in response.json()["message"]
    assert unchanged(product)


def test_what_waits_for_approval_leaves_out_what_the_person_contributed_to(shop, admin_user):
    two_hands_change(shop, admin_user)
    assert not selectors.products_awaiting_approval_by(admin_user).exists()
    assert list(selectors.products_awaiting_approval_by(shop.approver).values_list("sku", flat=True)) == [
        "TOY-1"
    ]


def test_the_person_who_imported_a_draft_may_not_approve_it(shop, admin_user):
    text = "sku;family;name-fr_FR\nTOY-1;toys;Renne\n"
    products_import(actor=admin_user, handle=io.BytesIO(text.encode()), name="p.csv")
    product = Product.objects.get(sku="TOY-1")
    services.product_submit(actor=shop.merchandiser, product=product)
    with pytest.raises(PermissionDenied, match="they edited it"):
        services.product_approve(actor=admin_user, product=product)


def test_the_person_who_changed_a_draft_by_import_may_not_approve_it(shop, admin_user):
    product = create(shop, actor=shop.merchandiser)
    text = "sku;family;brand\nTOY-1;toys;Lutin\n"
    products_import(actor=admin_user, handle=io.BytesIO(text.encode()), name="p.csv")
    services.product_submit(actor=shop.merchandiser, product=product)
    with pytest.raises(PermissionDenied, match="they edited it"):
        services.product_approve(actor=admin_user, product=product)
    services.product_approve(actor=shop.approver, product=product)


def test_the_person_whose_import_proposed_a_change_may_not_approve_it(shop, admin_user):
    product = approved(shop)
    text = "sku;family;brand\nTOY-1;toys;Lutin\n"
    products_import(actor=admin_user, handle=io.BytesIO(text.encode()), name="p.csv")
    services.product_submit(actor=shop.merchandiser, product=product)
    with pytest.raises(PermissionDenied, match="they edited it"):
        services.product_approve(actor=admin_user, product=product)


def test_the_author_of_a_bulk_creation_may_not_approve_it(shop, admin_user):
    services.products_bulk_create(
        actor=admin_user, rows=[services.NewProduct(sku="TOY-1", family="toys", values={"name": texts("R")})]
    )
    product = Product.objects.get(sku="TOY-1")
    services.product_submit(actor=shop.merchandiser, product=product)
    with pytest.raises(PermissionDenied, match="they edited it"):
        services.product_approve(actor=admin_user, product=product)


def test_an_edit_of_a_product_in_review_sends_it_back_to_draft_to_be_submitted_again(shop, admin_user):
    product = create(shop, actor=shop.merchandiser)
    services.product_submit(actor=shop.merchandiser, product=product)
    edit(admin_user, product, brand={"*": {"*": "Lutin"}})
    assert Product.objects.get(pk=product.pk).status == "draft"
    with pytest.raises(ValidationError, match="not waiting for approval"):
        services.product_approve(actor=shop.approver, product=product)
    services.product_submit(actor=shop.merchandiser, product=product)
    with pytest.raises(PermissionDenied, match="they edited it"):
        services.product_approve(actor=admin_user, product=product)
    assert services.product_approve(actor=shop.approver, product=product).status == "approved"


def test_an_import_that_changes_a_product_in_review_sends_it_back_to_draft(shop, admin_user):
    product = create(shop, actor=shop.merchandiser)
    services.product_submit(actor=shop.merchandiser, product=product)
    text = "sku;family;brand\nTOY-1;toys;Lutin\n"
    products_import(actor=admin_user, handle=io.BytesIO(text.encode()), name="p.csv")
    assert Product.objects.get(pk=product.pk).status == "draft"
    products_import(actor=admin_user, handle=io.BytesIO(text.encode()), name="p.csv")  # nothing changes
    services.product_submit(actor=shop.merchandiser, product=product)
    products_import(actor=admin_user, handle=io.BytesIO(text.encode()), name="p.csv")
    assert Product.objects.get(pk=product.pk).status == "in_review", "an unchanged row leaves it in review"


def test_the_refusal_is_in_the_persons_language_whatever_the_language_active(shop, admin_user):
    admin_user.language = "fr"
    admin_user.save(update_fields=["language"])
    product = two_hands_change(shop, admin_user)
    with translation.override("en"), pytest.raises(PermissionDenied) as refused:  # a task, an API call
        services.product_approve(actor=admin_user, product=product)
    assert str(refused.value) == (
        "ada ne peut pas valider TOY-1 : cette personne l’a modifié depuis sa dernière validation ; "
        "un autre valideur doit le valider"
    )


def test_the_migration_counts_who_contributed_since_the_last_approval(shop, admin_user):
    from importlib import import_module

    from django.db import connection

    migration = import_module("apps.products.migrations.0014_product_contributors_for_four_eyes")
    two_hands_change(shop, admin_user)  # TOY-1: the administrator is known from the audit log only
    create(shop, "TOY-2", actor=shop.merchandiser)
    approved(shop, "TOY-3")
    Product.objects.update(contributors=[])
    with connection.cursor() as cursor:
        cursor.execute(migration.BACKFILL)
    contributors = dict(Product.objects.values_list("sku", "contributors"))
    everyone = [shop.merchandiser.pk, admin_user.pk, shop.merchandiser2.pk]
    assert sorted(contributors["TOY-1"]) == sorted(everyone)
    assert contributors["TOY-2"] == [shop.merchandiser.pk]
    assert contributors["TOY-3"] == [], "approved without a pending change: nobody to count"
