"""Banners: DAM pictures linked to a campaign, shown in its admin page and API detail; the DAM knows."""

from datetime import datetime

import pytest
from django.core.exceptions import ValidationError

from apps.assets import selectors as asset_selectors
from apps.assets import services as asset_services
from apps.campaigns import services
from apps.campaigns.models import Banner, Campaign
from apps.core.models import AuditLog
from tests.api_helpers import bearer, token_for
from tests.assets.factories import picture, upload
from tests.campaigns.factories import PARIS, approved, plan

S = Campaign.Status


def test_banners_are_set_in_order_audited_and_the_same_list_again_changes_nothing(xmas, clock):
    campaign = plan(xmas)
    wide, square = upload("wide.jpg", picture(1200, 400)), upload("square.jpg")
    services.campaign_banners_set(actor=xmas.marketer, campaign=campaign, assets=[wide, square])
    services.campaign_banners_set(actor=xmas.marketer, campaign=campaign, assets=[square, wide])
    version = Campaign.objects.get(pk=campaign.pk).version
    services.campaign_banners_set(actor=xmas.marketer, campaign=campaign, assets=[square, wide])
    assert list(campaign.banners.values_list("asset__original_name", flat=True)) == ["square.jpg", "wide.jpg"]
    assert Campaign.objects.get(pk=campaign.pk).version == version
    diffs = AuditLog.objects.filter(action="campaign.banners").order_by("pk").values_list("diff", flat=True)
    assert [d["assets"] for d in diffs] == [
        [[], [wide.pk, square.pk]],
        [[wide.pk, square.pk], [square.pk, wide.pk]],
    ]


def test_the_dam_lists_the_campaign_and_refuses_to_delete_its_banner(xmas, clock):
    campaign = plan(xmas)
    banner = upload("sapin.jpg")
    services.campaign_banners_set(actor=xmas.marketer, campaign=campaign, assets=[banner])
    assert [str(u) for u in asset_selectors.asset_usage(banner)] == ["campaign XMAS (banner, draft)"]
    with pytest.raises(ValidationError, match=r"sapin.jpg is used and cannot be deleted: campaign XMAS"):
        asset_services.asset_delete(actor=None, asset=banner)
    services.campaign_banners_set(actor=xmas.marketer, campaign=campaign, assets=[])
    asset_services.asset_delete(actor=None, asset=banner)
    assert not Banner.objects.exists()


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: upload("notice.pdf", b"%PDF-1.4\n%%EOF\n"), "notice.pdf is a pdf, not an image"),
        (
            lambda: asset_services.asset_update(
                actor=None,
                asset=upload("short.jpg"),
                changes={"valid_until": datetime(2026, 12, 20, tzinfo=PARIS)},
            ),
            "short.jpg: its rights end 2026-12-20 00:00 CET, before the campaign does (2026-12-26 00:00 CET)",
        ),
        (
            lambda: asset_services.asset_archive(actor=None, asset=upload("old.jpg")),
            "old.jpg is archived: pick an active image",
        ),
    ],
)
def test_a_banner_that_is_no_image_archived_or_whose_rights_end_too_soon_is_refused(
    xmas, clock, make, message
):
    campaign = plan(xmas)
    with pytest.raises(ValidationError) as refused:
        services.campaign_banners_set(actor=xmas.marketer, campaign=campaign, assets=[make()])
    assert refused.value.message_dict == {"banners": [message]}
    assert not campaign.banners.exists()


def test_changing_the_banners_of_a_submission_sends_it_back_and_an_approved_one_is_frozen(xmas, clock):
    campaign = plan(xmas)
    services.campaign_submit(actor=xmas.marketer, campaign=campaign)
    services.campaign_banners_set(actor=xmas.marketer, campaign=campaign, assets=[upload("a.jpg")])
    assert Campaign.objects.get(pk=campaign.pk).status == S.DRAFT
    frozen = approved(xmas, code="LATER", skus=["TOY-2"], categories=[])
    with pytest.raises(ValidationError, match="LATER is approved: only a draft or a submission can change"):
        services.campaign_banners_set(actor=xmas.marketer, campaign=frozen, assets=[upload("b.jpg")])


def test_the_api_detail_carries_the_banners_with_their_urls(
    client, xmas, clock, django_assert_max_num_queries
):
    campaign = plan(xmas)
    services.campaign_banners_set(
        actor=xmas.marketer,
        campaign=campaign,
        assets=[upload("wide.jpg", picture(1200, 400)), upload("b.jpg")],
    )
    services.campaign_submit(actor=xmas.marketer, campaign=campaign)
    services.campaign_approve(actor=xmas.approver, campaign=campaign)
    headers = bearer(token_for())
    with django_assert_max_num_queries(12):
        detail = client.get("/api/v1/campaigns/XMAS", **headers).json()
    first = detail["banners"][0]
    assert [b["name"] for b in detail["banners"]] == ["wide.jpg", "b.jpg"]
    assert (first["width"], first["height"]) == (1200, 400)
    assert first["url"].startswith("http://testserver/") and first["url"].endswith(".jpg")
