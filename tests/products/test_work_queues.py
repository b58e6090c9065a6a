"""Work queues on the admin home: my drafts, and what waits for my approval (never what I submitted or
edited), each linked to the product list filtered the same way."""

import pytest
from django.test.client import RequestFactory

from apps.products import selectors, services
from apps.products.dashboard import product_queue_panel
from apps.products.models import Product
from tests.core.factories import UserFactory
from tests.products.fixtures import texts


@pytest.fixture
def work(shop):
    def make(sku, actor):
        return services.product_create(actor=actor, sku=sku, family=shop.toys, values={"name": texts(sku)})

    make("MINE-1", shop.merchandiser)
    submitted = make("SUBMITTED", shop.merchandiser)
    services.product_submit(actor=shop.merchandiser, product=submitted)
    make("THEIRS", shop.merchandiser2)
    live = make("LIVE", shop.merchandiser2)
    services.product_submit(actor=shop.merchandiser2, product=live)
    services.product_approve(actor=shop.approver, product=live)
    live.refresh_from_db()
    services.product_update(
        actor=shop.merchandiser, product=live, expected_version=live.version,
        changes={"values": {"name": texts("Nouveau nom")}},
    )  # fmt: skip
    touched = make("TOUCHED", shop.merchandiser2)
    services.product_submit(actor=shop.merchandiser2, product=touched)
    touched.refresh_from_db()
    services.product_update(
        actor=shop.approver, product=touched, expected_version=touched.version,
        changes={"values": {"name": texts("Retouché")}},
    )  # fmt: skip
    services.product_submit(actor=shop.merchandiser2, product=touched)  # the edit sent it back to draft
    return shop


def skus(queryset) -> list[str]:
    return sorted(queryset.values_list("sku", flat=True))


def test_my_drafts_are_the_drafts_i_edited_and_my_unsubmitted_changes(work):
    assert skus(selectors.products_drafts_of(work.merchandiser)) == ["LIVE", "MINE-1"]
    assert skus(selectors.products_drafts_of(work.merchandiser2)) == ["THEIRS"]


def test_waiting_for_my_approval_leaves_out_what_i_submitted_or_edited(work):
    live = Product.objects.get(sku="LIVE")
    services.product_submit(actor=work.merchandiser, product=live)
    assert skus(selectors.products_awaiting_approval_by(work.approver)) == ["LIVE", "SUBMITTED"]
    second = UserFactory(username="anna", roles=["approver"])
    assert skus(selectors.products_awaiting_approval_by(second)) == ["LIVE", "SUBMITTED", "TOUCHED"]
    assert skus(selectors.products_awaiting_approval_by(work.merchandiser)) == []  # may not approve


def panel_for(user):
    request = RequestFactory().get("/admin/")
    request.user = user
    return {tile.label: tile for tile in product_queue_panel(request)}


def test_each_role_sees_its_queues_linked_to_the_filtered_list(work, client):
    merchandiser = panel_for(work.merchandiser)
    assert list(merchandiser) == ["my product drafts"]
    assert merchandiser["my product drafts"].value == 2
    approver = panel_for(work.approver)
    assert list(approver) == ["products waiting for my approval"]
    assert approver["products waiting for my approval"].value == 1  # SUBMITTED; TOUCHED is his own edit
    assert panel_for(UserFactory(username="lea", roles=["marketer"])) == {}
    client.force_login(work.approver)
    page = client.get(approver["products waiting for my approval"].link).content.decode()
    assert "SUBMITTED" in page and "TOUCHED" not in page and "MINE-1" not in page
    client.force_login(work.merchandiser)
    page = client.get(merchandiser["my product drafts"].link).content.decode()
    assert "MINE-1" in page and "THEIRS" not in page
