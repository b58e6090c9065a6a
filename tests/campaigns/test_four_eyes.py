"""Four eyes on campaigns: nobody who contributed to a campaign since its last approval (planned or
edited it, its promotions, banners or coupons, or submitted it) may approve it or send it back, whatever
their role: the marketer below holds the approve permission, and the contribution alone refuses them."""

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied

from apps.campaigns import selectors, services
from apps.campaigns.models import Benefit, Campaign, Promotion
from apps.core.models import Role, User
from tests.campaigns.factories import END, START
from tests.core.factories import UserFactory

URL = "/admin/campaigns/campaign/"
S = Campaign.Status


@pytest.fixture
def people(xmas):
    """Léa (marketer, who also holds the approve permission) and Bruno, another marketer."""
    xmas.marketer.user_permissions.add(Permission.objects.get(codename="approve_campaign"))
    xmas.marketer = User.objects.get(pk=xmas.marketer.pk)  # permissions are cached per instance
    xmas.bruno = UserFactory(username="bruno", roles=[Role.MARKETER])
    return xmas


def drafted(shop, code="XMAS", promotion_by=None, categories=("plush",)):
    """Bruno plans the campaign; its promotion is written by `promotion_by` (Bruno unless told)."""
    campaign = services.campaign_create(
        actor=shop.bruno, code=code, name="Christmas", starts_at=START, ends_at=END,
        channels=[shop.web, shop.google],
    )  # fmt: skip
    services.promotion_add(
        actor=promotion_by or shop.bruno, campaign=campaign, code=f"{code}-P1", categories=list(categories),
        benefit=Benefit.PERCENTAGE_OFF, value="20",
    )  # fmt: skip
    return Campaign.objects.get(pk=campaign.pk)


def second_promotion(shop, campaign):
    services.promotion_add(
        actor=shop.bruno,
        campaign=campaign,
        code="XMAS-P2",
        skus=["DECO-1"],
        benefit=Benefit.PERCENTAGE_OFF,
        value="10",
    )


def submitted_by_bruno(shop, campaign):
    services.campaign_update(actor=shop.bruno, campaign=campaign, notes="checked")
    services.campaign_submit(actor=shop.bruno, campaign=campaign)
    return Campaign.objects.get(pk=campaign.pk)


def still_submitted(campaign):
    campaign = Campaign.objects.get(pk=campaign.pk)
    return campaign.status == S.SUBMITTED and campaign.approver_id is None


def test_the_author_of_a_promotion_may_not_approve_what_another_submitted(people, clock):
    campaign = submitted_by_bruno(people, drafted(people, promotion_by=people.marketer))
    with pytest.raises(
        PermissionDenied, match="lea may not approve XMAS: they planned or edited it"
    ) as refused:
        services.campaign_approve(actor=people.marketer, campaign=campaign)
    assert "another approver must approve it" in str(refused.value)
    assert still_submitted(campaign)
    with pytest.raises(PermissionDenied, match="lea may not send back XMAS"):
        services.campaign_reject(actor=people.marketer, campaign=campaign, comment="no")
    assert still_submitted(campaign)


def test_the_editor_of_a_promotion_may_not_approve(people, clock):
    campaign = drafted(people)
    promotion = Promotion.objects.get(code="XMAS-P1")
    services.promotion_update(actor=people.marketer, promotion=promotion, value="25")
    campaign = submitted_by_bruno(people, campaign)
    with pytest.raises(PermissionDenied, match="they planned or edited it"):
        services.campaign_approve(actor=people.marketer, campaign=campaign)


def test_the_remover_of_a_promotion_may_not_approve(people, clock):
    campaign = drafted(people)
    second_promotion(people, campaign)
    services.promotion_remove(actor=people.marketer, promotion=Promotion.objects.get(code="XMAS-P2"))
    campaign = submitted_by_bruno(people, campaign)
    with pytest.raises(PermissionDenied, match="they planned or edited it"):
        services.campaign_approve(actor=people.marketer, campaign=campaign)


def test_the_author_of_a_coupon_may_not_approve(people, clock):
    campaign = drafted(people)
    services.coupon_create(actor=people.marketer, campaign=campaign, code="NOEL10")
    campaign = submitted_by_bruno(people, campaign)
    with pytest.raises(PermissionDenied, match="coupons since its last approval"):
        services.campaign_approve(actor=people.marketer, campaign=campaign)
    assert still_submitted(campaign)


def test_the_author_of_generated_coupons_may_not_approve(people, clock):
    campaign = drafted(people)
    services.coupons_generate(actor=people.marketer, campaign=campaign, count=3, prefix="XM-")
    campaign = submitted_by_bruno(people, campaign)
    with pytest.raises(PermissionDenied, match="they planned or edited it"):
        services.campaign_approve(actor=people.marketer, campaign=campaign)


def test_coupons_added_after_submission_count_without_sending_it_back(people, clock):
    campaign = submitted_by_bruno(people, drafted(people))
    services.coupon_create(actor=people.marketer, campaign=campaign, code="NOEL10")
    assert still_submitted(campaign)
    with pytest.raises(PermissionDenied, match="they planned or edited it"):
        services.campaign_approve(actor=people.marketer, campaign=campaign)


def test_an_edit_after_submission_sends_it_back_to_draft_and_its_editor_counts(people, clock):
    campaign = submitted_by_bruno(people, drafted(people))
    services.promotion_update(
        actor=people.marketer, promotion=Promotion.objects.get(code="XMAS-P1"), value="30"
    )
    assert Campaign.objects.get(pk=campaign.pk).status == S.DRAFT
    services.campaign_submit(actor=people.bruno, campaign=campaign)
    with pytest.raises(PermissionDenied, match="they planned or edited it"):
        services.campaign_approve(actor=people.marketer, campaign=campaign)


def test_the_submitter_is_told_they_submitted_it(people, clock):
    campaign = drafted(people)
    services.campaign_submit(actor=people.marketer, campaign=campaign)
    with pytest.raises(PermissionDenied, match="lea may not approve XMAS: they submitted it"):
        services.campaign_approve(actor=people.marketer, campaign=campaign)


def test_an_administrator_is_not_exempt(people, clock):
    admin_user = UserFactory(username="ada", roles=[Role.ADMIN], is_superuser=True)
    campaign = drafted(people)
    services.campaign_update(actor=admin_user, campaign=campaign, notes="a word")
    services.campaign_submit(actor=people.bruno, campaign=campaign)
    with pytest.raises(PermissionDenied, match="ada may not approve XMAS"):
        services.campaign_approve(actor=admin_user, campaign=campaign)


def test_a_third_person_approves_and_a_new_cycle_starts(people, clock):
    campaign = submitted_by_bruno(people, drafted(people, promotion_by=people.marketer))
    services.campaign_approve(actor=people.approver, campaign=campaign)
    campaign = Campaign.objects.get(pk=campaign.pk)
    assert campaign.status == S.APPROVED and campaign.contributors == []


def test_the_admin_bulk_approve_approves_the_others_and_names_the_refused_by_code(people, clock, client):
    mine = submitted_by_bruno(people, drafted(people, "MINE", promotion_by=people.marketer))
    other = submitted_by_bruno(people, drafted(people, "OTHER", categories=["decorations"]))
    client.force_login(people.marketer)
    response = client.post(URL, {"action": "approve", "_selected_action": [mine.pk, other.pk]}, follow=True)
    page = response.content.decode()
    assert "1 campaign(s) approved." in page and "lea may not approve MINE" in page
    assert still_submitted(mine) and Campaign.objects.get(pk=other.pk).status == S.APPROVED


def test_the_review_page_hides_the_decision_from_a_contributor_and_refuses_a_forced_post(
    people, clock, client
):
    campaign = submitted_by_bruno(people, drafted(people, promotion_by=people.marketer))
    client.force_login(people.marketer)
    page = client.get(f"{URL}{campaign.pk}/review/").content.decode()
    assert "data-decision-form" not in page and "lea may not approve XMAS" in page
    response = client.post(f"{URL}{campaign.pk}/review/", {"decision": "approve", "comment": ""}, follow=True)
    assert "lea may not approve XMAS" in response.content.decode()
    assert still_submitted(campaign)
    client.force_login(people.approver)
    assert "data-decision-form" in client.get(f"{URL}{campaign.pk}/review/").content.decode()


def test_what_waits_for_approval_leaves_out_what_the_person_contributed_to(people, clock):
    submitted_by_bruno(people, drafted(people, promotion_by=people.marketer))
    assert not selectors.campaigns_awaiting_approval_by(people.marketer).exists()
    assert selectors.campaigns_awaiting_approval_by(people.approver).get().code == "XMAS"


def test_deleting_promotions_from_the_list_goes_through_the_service(people, clock, client):
    campaign = submitted_by_bruno(people, drafted(people))
    second_promotion(people, campaign)
    services.campaign_submit(actor=people.bruno, campaign=campaign)
    client.force_login(people.marketer)
    promotion = Promotion.objects.get(code="XMAS-P2")
    client.post(
        "/admin/campaigns/promotion/",
        {"action": "delete_selected", "_selected_action": [promotion.pk], "post": "yes"},
    )
    assert not Promotion.objects.filter(code="XMAS-P2").exists()
    campaign = Campaign.objects.get(pk=campaign.pk)
    assert campaign.status == S.DRAFT and people.marketer.pk in campaign.contributors


def test_the_refusal_is_in_the_persons_language(people, clock):
    people.marketer.language = "fr"
    people.marketer.save(update_fields=["language"])
    campaign = submitted_by_bruno(people, drafted(people, promotion_by=people.marketer))
    with pytest.raises(PermissionDenied) as refused:
        services.campaign_approve(actor=people.marketer, campaign=campaign)
    assert str(refused.value).startswith("lea ne peut pas valider XMAS : cette personne a préparé ou modifié")


def test_the_migration_counts_who_contributed_since_the_last_approval(people, clock):
    from importlib import import_module

    from django.db import connection

    migration = import_module("apps.campaigns.migrations.0004_campaign_contributors_for_four_eyes")
    campaign = submitted_by_bruno(people, drafted(people, promotion_by=people.marketer))
    Campaign.objects.update(contributors=[])
    with connection.cursor() as cursor:
        cursor.execute(migration.BACKFILL)
    known = sorted([people.bruno.pk, people.marketer.pk])  # Léa, who wrote the promotion, from the audit log
    assert Campaign.objects.get(pk=campaign.pk).contributors == known
