"""Accepting a suggestion is an ordinary change of the product, through the catalog's services: four eyes,
history and completeness apply. Rejecting keeps the product as it is. Nobody decides twice, nor on a
suggestion made before the value changed, nor on another team's product."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from guardian.shortcuts import assign_perm

from apps.assist import services
from apps.assist.models import Suggestion
from apps.core.models import AuditLog, Role
from apps.products import services as product_services
from apps.products.models import Category, PendingChange, Product
from apps.products.selectors import product_versions
from tests.core.factories import UserFactory

pytestmark = pytest.mark.django_db

GOOD_EN = "A soft plush reindeer by Lutin, weighing 350 g, for children from 3 years old."


@pytest.fixture
def suggestion(chat, reindeer, people):
    chat.answer(GOOD_EN)
    return services.suggestion_draft(
        actor=people.merchandiser, product=reindeer, locale="en_GB", channel="web"
    )


def approved(product, people):
    product_services.product_submit(actor=people.merchandiser2, product=product)
    return product_services.product_approve(actor=people.approver2, product=product)


def description(product, locale="en_GB", channel="web"):
    product = Product.objects.get(pk=product.pk)
    return (product.values.get("description") or {}).get(locale, {}).get(channel)


def test_accepting_on_a_draft_product_writes_a_new_version_with_its_history(suggestion, reindeer, people):
    before = reindeer.version
    services.suggestion_accept(actor=people.merchandiser, suggestion=suggestion)
    assert description(reindeer) == GOOD_EN
    product = Product.objects.get(pk=reindeer.pk)
    assert product.version == before + 1
    assert product.updated_by == people.merchandiser
    assert people.merchandiser.pk in product.contributors
    newest = product_versions(product)[0]
    assert newest.who == "margot" and "description-en_GB-web" in str(newest.changes)
    suggestion.refresh_from_db()
    assert (suggestion.status, suggestion.decided_by) == (Suggestion.Status.ACCEPTED, people.merchandiser)
    assert AuditLog.objects.filter(action="suggestion.accept").count() == 1
    assert AuditLog.objects.filter(action="product.update", object_code="TOY-1").exists()


def test_accepting_on_an_approved_product_waits_for_another_approver(chat, reindeer, people):
    approved(reindeer, people)
    chat.answer(GOOD_EN)
    suggestion = services.suggestion_draft(
        actor=people.merchandiser, product=reindeer, locale="en_GB", channel="web"
    )
    services.suggestion_accept(actor=people.merchandiser, suggestion=suggestion)
    assert description(reindeer) is None  # live data unchanged
    pending = PendingChange.objects.get(product=reindeer)
    assert pending.changes["values"]["description"]["en_GB"]["web"] == GOOD_EN
    product_services.product_submit(actor=people.merchandiser, product=reindeer)
    with pytest.raises(PermissionDenied):  # the one who accepted it may not approve it, even with the right
        product_services.product_approve(
            actor=people.merchandiser, product=Product.objects.get(pk=reindeer.pk)
        )
    product_services.product_approve(actor=people.approver, product=Product.objects.get(pk=reindeer.pk))
    assert description(reindeer) == GOOD_EN


def test_an_edited_text_is_written_and_its_facts_only_flagged(suggestion, reindeer, people):
    edited = "A soft plush reindeer by Lutin, 25 cm tall, for children from 3 years old."
    services.suggestion_accept(actor=people.merchandiser, suggestion=suggestion, text=edited)
    assert description(reindeer) == edited
    suggestion.refresh_from_db()
    assert suggestion.edited and suggestion.inputs["suggested_text"] == GOOD_EN
    assert {"rule": "numbers", "values": ["25"], "blocking": False} in suggestion.flags


def test_a_suggestion_accepted_twice_is_refused_the_second_time(suggestion, reindeer, people):
    services.suggestion_accept(actor=people.merchandiser, suggestion=suggestion)
    version = Product.objects.get(pk=reindeer.pk).version
    with pytest.raises(ValidationError, match="already accepted \\(margot"):
        services.suggestion_accept(actor=people.merchandiser2, suggestion=suggestion)
    with pytest.raises(ValidationError, match="already accepted"):
        services.suggestion_reject(actor=people.merchandiser2, suggestion=suggestion)
    assert Product.objects.get(pk=reindeer.pk).version == version


def test_a_stale_suggestion_is_refused_once_a_person_wrote_the_value(suggestion, reindeer, people):
    product_services.product_update(
        actor=people.merchandiser2, product=reindeer, expected_version=reindeer.version,
        changes={"values": {"description": {"en_GB": {"web": "Written by Malik."}}}},
    )  # fmt: skip
    with pytest.raises(ValidationError, match="changed since this suggestion was made"):
        services.suggestion_accept(actor=people.merchandiser, suggestion=suggestion)
    assert description(reindeer) == "Written by Malik."
    assert Suggestion.objects.get(pk=suggestion.pk).status == Suggestion.Status.PENDING


def test_a_change_to_another_value_leaves_the_suggestion_acceptable(suggestion, reindeer, people):
    product_services.product_update(
        actor=people.merchandiser2, product=reindeer, expected_version=reindeer.version,
        changes={"values": {"name": {"en_GB": {"*": "Cuddly reindeer"}}}},
    )  # fmt: skip
    services.suggestion_accept(actor=people.merchandiser, suggestion=suggestion)
    assert description(reindeer) == GOOD_EN


def test_a_refused_suggestion_cannot_be_accepted(chat, reindeer, people):
    chat.answer("A soft plush reindeer by Lutin, 25 cm tall, for children from 3 years old.")
    refused = services.suggestion_draft(
        actor=people.merchandiser, product=reindeer, locale="en_GB", channel="web"
    )
    with pytest.raises(ValidationError, match="already refused by the guard rails"):
        services.suggestion_accept(actor=people.merchandiser, suggestion=refused)
    assert description(reindeer) is None


def test_rejecting_keeps_the_product_and_records_why(suggestion, reindeer, people):
    version = reindeer.version
    services.suggestion_reject(actor=people.merchandiser, suggestion=suggestion, reason="too flat")
    suggestion.refresh_from_db()
    assert (suggestion.status, suggestion.reason) == (Suggestion.Status.REJECTED, "too flat")
    assert Product.objects.get(pk=reindeer.pk).version == version


@pytest.mark.parametrize("role", ["approver", "marketer"])
def test_approvers_and_marketers_may_not_decide(suggestion, reindeer, people, role):
    with pytest.raises(PermissionDenied, match="may not accept or reject"):
        services.suggestion_accept(actor=getattr(people, role), suggestion=suggestion)
    assert Suggestion.objects.get(pk=suggestion.pk).status == Suggestion.Status.PENDING


def test_another_teams_merchandiser_may_not_decide(suggestion, reindeer, shop):
    team = UserFactory(username="deco", roles=[Role.MERCHANDISER])
    assign_perm("products.edit_products_in", team, Category.objects.get(code="decorations"))
    with pytest.raises(PermissionDenied, match="not in your categories"):
        services.suggestion_accept(actor=team, suggestion=suggestion)
    with pytest.raises(PermissionDenied, match="not in your categories"):
        services.suggestion_draft(actor=team, product=reindeer, locale="en_GB", channel="web")


def test_deciding_a_page_at_once_holds_back_only_the_refused(chat, reindeer, people):
    chat.answer(GOOD_EN, "Soft reindeer by Lutin for the shop of Google, from 3 years old.")
    first = services.suggestion_draft(
        actor=people.merchandiser, product=reindeer, locale="en_GB", channel="web"
    )
    services.suggestion_draft(
        actor=people.merchandiser, product=reindeer, locale="en_GB", channel="google", attribute="description"
    )
    services.suggestion_accept(actor=people.merchandiser, suggestion=first)
    done, refused = services.suggestions_decide(
        actor=people.merchandiser, suggestions=Suggestion.objects.order_by("pk"), accept=True
    )
    assert done == 1 and [s.pk for s, _ in refused] == [first.pk]
    assert description(reindeer, channel="google").startswith("Soft reindeer")
