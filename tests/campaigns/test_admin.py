import re
from datetime import datetime, timedelta

import pytest

from apps.campaigns import services
from apps.campaigns.models import Campaign, Promotion
from apps.core.models import AuditLog
from tests.campaigns.factories import PARIS, START, approved, plan

URL = "/admin/campaigns/campaign/"
S = Campaign.Status


def login(client, user):
    client.force_login(user)
    return client


def test_the_campaign_list_answers_in_bounded_queries(xmas, clock, client, django_assert_max_num_queries):
    for n in range(12):
        plan(xmas, code=f"C{n}", start=START + timedelta(days=n))
    login(client, xmas.marketer)
    with django_assert_max_num_queries(15):
        response = client.get(URL)
    assert response.status_code == 200 and "C11" in response.content.decode()


def test_the_campaign_list_shows_each_status_by_its_label_in_the_persons_language(xmas, clock, client):
    plan(xmas, code="C1")
    login(client, xmas.marketer)
    html = client.get(URL).content.decode()
    cells = re.findall(r"field-status_badge[^>]*>(.*?)</td>", html, re.S)
    shown = {re.sub(r"<[^>]+>|\s", "", cell) for cell in cells}
    assert "Draft" in shown and not shown & set(S.values)  # labels, not the codes


def test_a_campaign_typed_in_the_admin_is_created_by_the_service_in_local_time(xmas, clock, client):
    login(client, xmas.marketer)
    form = {
        "code": "NOEL", "name": "Noël", "starts_at_0": "2026-12-01", "starts_at_1": "00:00:00",
        "ends_at_0": "2026-12-26", "ends_at_1": "00:00:00", "timezone": "Europe/Paris",
        "channels": [xmas.web.pk, xmas.google.pk], "notes": "",
        **inline_management(),
    }  # fmt: skip
    response = client.post(f"{URL}add/", form)
    assert response.status_code == 302, response.content.decode()[:3000]
    campaign = Campaign.objects.get(code="NOEL")
    assert campaign.starts_at == START and campaign.owner == xmas.marketer
    assert sorted(c.code for c in campaign.channels.all()) == ["google", "web"]
    assert AuditLog.objects.filter(action="campaign.create", object_code="NOEL").exists()


def test_a_bad_window_typed_in_the_admin_is_refused_with_its_reason(xmas, clock, client):
    login(client, xmas.marketer)
    form = {
        "code": "NOEL", "name": "Noël", "starts_at_0": "2026-12-26", "starts_at_1": "00:00:00",
        "ends_at_0": "2026-12-01", "ends_at_1": "00:00:00", "timezone": "Europe/Paris",
        "channels": [xmas.web.pk], **inline_management(),
    }  # fmt: skip
    response = client.post(f"{URL}add/", form, follow=True)
    assert "is not after the start" in response.content.decode()
    assert not Campaign.objects.exists()


def inline_management() -> dict:
    return {
        f"{prefix}-{key}": value
        for prefix in ("banners", "promotions", "coupons")
        for key, value in (("TOTAL_FORMS", "0"), ("INITIAL_FORMS", "0"), ("MIN_NUM_FORMS", "0"),
                           ("MAX_NUM_FORMS", "1000"))
    }  # fmt: skip


def test_actions_go_through_the_services_and_four_eyes_holds_in_the_admin(xmas, clock, client):
    campaign = plan(xmas)
    login(client, xmas.marketer)
    client.post(URL, {"action": "submit", "_selected_action": [campaign.pk]})
    assert Campaign.objects.get().status == S.SUBMITTED
    response = client.post(URL, {"action": "approve", "_selected_action": [campaign.pk]}, follow=True)
    assert Campaign.objects.get().status == S.SUBMITTED
    assert response.status_code in (200, 403)
    services.campaign_update(actor=xmas.approver, campaign=campaign, notes="typo")
    services.campaign_submit(actor=xmas.marketer, campaign=campaign)
    login(client, xmas.approver)
    response = client.post(URL, {"action": "approve", "_selected_action": [campaign.pk]}, follow=True)
    assert "another approver must approve it" in response.content.decode()
    login(client, xmas.approver2)
    client.post(URL, {"action": "approve", "_selected_action": [campaign.pk]})
    assert Campaign.objects.get().status == S.APPROVED


def test_the_approvers_page_shows_old_and_new_prices_and_the_findings(xmas, clock, client):
    campaign = plan(xmas)
    services.campaign_submit(actor=xmas.marketer, campaign=campaign)
    login(client, xmas.approver)
    page = client.get(f"{URL}{campaign.pk}/review/").content.decode()
    assert "TOY-1" in page and "€20.00" in page and "€16.00" in page  # as money, in the approver's notation
    assert "TOY-1 is 75 % complete for web" in page or "complete for web" in page
    assert "has no stock" not in page
    response = client.post(f"{URL}{campaign.pk}/review/", {"decision": "reject", "comment": ""}, follow=True)
    assert "say why the campaign is sent back" in response.content.decode()
    client.post(f"{URL}{campaign.pk}/review/", {"decision": "approve", "comment": "ok"})
    assert Campaign.objects.get().status == S.APPROVED


def test_the_preview_shows_each_channel_at_the_chosen_instant(xmas, clock, client):
    campaign = approved(xmas)
    login(client, xmas.marketer)
    before = client.get(f"{URL}{campaign.pk}/preview/?at=2026-11-30T23:59").content.decode()
    during = client.get(f"{URL}{campaign.pk}/preview/?at=2026-12-01T00:00").content.decode()
    assert "XMAS-P1" not in before.split("data-channel")[1]
    assert "16.00" in during.split('data-channel="google"')[1] and "XMAS-P1" in during


def test_the_calendar_shows_overlaps_per_channel_by_month_and_week(xmas, clock, client):
    early = datetime(2026, 12, 10, tzinfo=PARIS)
    approved(xmas, code="EARLY", end=early, channels=[xmas.web], skus=["TOY-2"], categories=[])
    plan(xmas, code="XMAS", channels=[xmas.web, xmas.google])
    login(client, xmas.marketer)
    month = client.get(f"{URL}calendar/?date=2026-12-01").content.decode()
    assert 'data-day="2026-12-05" data-overlap' in month and 'data-day="2026-12-15" data-overlap' not in month
    google = client.get(f"{URL}calendar/?date=2026-12-01&channel=google").content.decode()
    assert "data-overlap" not in google and "EARLY" not in google
    week = client.get(f"{URL}calendar/?date=2026-12-09&view=week").content.decode()
    assert 'data-day="2026-12-07"' in week and 'data-day="2026-12-14"' not in week and "EARLY" in week


def test_coupons_export_as_csv_for_the_shop_and_the_stores(xmas, clock, client):
    campaign = plan(xmas)
    services.coupon_create(actor=xmas.marketer, campaign=campaign, code="NOEL10", usage_limit=100)
    login(client, xmas.marketer)
    response = client.get(f"{URL}{campaign.pk}/coupons.csv")
    body = b"".join(response.streaming_content).decode()
    assert body.splitlines()[1] == (
        "NOEL10;XMAS;;google|web;2026-11-30T23:00:00+00:00;2026-12-25T23:00:00+00:00;100;0"
    )


def test_a_promotion_added_in_the_admin_goes_through_the_service(xmas, clock, client):
    campaign = plan(xmas)
    login(client, xmas.marketer)
    response = client.post(
        "/admin/campaigns/promotion/add/",
        {"campaign": campaign.pk, "code": "P-BIG", "benefit": "percentage_off", "value": "900",
         "stacking": "exclusive", "priority": "0", "skus": "TOY-2"},
        follow=True,
    )  # fmt: skip
    assert "a percentage of 900 % is more than 100 %" in response.content.decode()
    assert not Promotion.objects.filter(code="P-BIG").exists()


@pytest.mark.parametrize("page", ["", "calendar/"])
def test_people_without_campaign_rights_are_kept_out(xmas, clock, client, page):
    from tests.core.factories import UserFactory

    login(client, UserFactory(username="nobody"))
    assert client.get(f"{URL}{page}").status_code in (302, 403)


def _promotion_form(**changes) -> dict:
    """What the browser posts: a picker with nothing chosen posts nothing."""
    form = {
        "name": "", "categories": "plush", "benefit": "percentage_off", "value": "20", "currency": "",
        "priority": "0", "stacking": "exclusive", "buy_quantity": "", "free_quantity": "",
    }  # fmt: skip
    return {**form, **changes}


def test_a_promotion_edited_in_the_admin_goes_through_the_service(xmas, clock, client):
    campaign = plan(xmas)
    services.campaign_submit(actor=xmas.marketer, campaign=campaign)
    promotion = campaign.promotions.get()
    login(client, xmas.marketer)
    url = f"/admin/campaigns/promotion/{promotion.pk}/change/"
    refused = client.post(url, _promotion_form(value="900"), follow=True).content.decode()
    assert "a percentage of 900 % is more than 100 %" in refused
    assert Campaign.objects.get().status == S.SUBMITTED
    form = _promotion_form(
        skus="TOY-2",
        value="15",
        priority="2",
        override_benefit__google="amount_off",
        override_value__google="1",
    )
    assert client.post(url, form).status_code == 302
    promotion.refresh_from_db()
    assert (promotion.skus, promotion.value, promotion.priority) == (["TOY-2"], 15, 2)
    assert {(o.channel.code, o.benefit, o.value) for o in promotion.overrides.all()} == {
        ("google", "amount_off", 1)
    }
    assert Campaign.objects.get().status == S.DRAFT
    assert AuditLog.objects.filter(action="campaign.promotion_update", actor=xmas.marketer).count() == 1
    page = client.get(url).content.decode()
    assert re.search(
        r'<option value="amount_off" selected>', page.split('name="override_benefit__google"')[1]
    )
    assert 'name="override_value__google" value="1"' in page


def test_a_promotion_of_an_approved_campaign_is_read_only_in_the_admin(xmas, clock, client):
    promotion = approved(xmas).promotions.get()
    login(client, xmas.marketer)
    response = client.post(f"/admin/campaigns/promotion/{promotion.pk}/change/", _promotion_form(value="50"))
    assert response.status_code == 403
    deleting = client.post(f"/admin/campaigns/promotion/{promotion.pk}/delete/", {"post": "yes"})
    assert deleting.status_code == 403
    assert Promotion.objects.get().value == 20


def test_banners_are_linked_in_the_campaign_page_through_the_service(xmas, clock, client):
    from tests.assets.factories import upload

    campaign = plan(xmas)
    banner = upload("sapin.jpg")
    login(client, xmas.marketer)
    form = {
        "name": "Christmas", "starts_at_0": "2026-12-01", "starts_at_1": "00:00:00",
        "ends_at_0": "2026-12-26", "ends_at_1": "00:00:00", "timezone": "Europe/Paris",
        "channels": [xmas.web.pk, xmas.google.pk], "notes": "", **inline_management(),
        "banners-TOTAL_FORMS": "1", "banners-0-id": "", "banners-0-campaign": campaign.pk,
        "banners-0-asset": banner.pk, "banners-0-position": "0",
    }  # fmt: skip
    response = client.post(f"{URL}{campaign.pk}/change/", form)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert list(campaign.banners.values_list("asset", flat=True)) == [banner.pk]
    assert AuditLog.objects.filter(action="campaign.banners", actor=xmas.marketer).exists()
    page = client.get(f"{URL}{campaign.pk}/change/").content.decode()
    assert banner.file.url in page


def test_a_marketer_removes_a_promotion_of_a_draft_through_the_service(xmas, clock, client):
    promotion = plan(xmas).promotions.get()
    login(client, xmas.marketer)
    response = client.post(f"/admin/campaigns/promotion/{promotion.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not Promotion.objects.exists()
    assert AuditLog.objects.filter(action="campaign.promotion_remove", actor=xmas.marketer).exists()


@pytest.mark.parametrize("status", [S.APPROVED, S.SCHEDULED, S.LIVE, S.ENDED, S.CANCELLED])
def test_a_promotion_of_a_campaign_past_draft_opens_read_only_with_its_channel_benefits(
    xmas, clock, client, status
):
    campaign = approved(xmas)
    promotion = campaign.promotions.get()
    promotion.overrides.create(channel=xmas.google, benefit="amount_off", value=5)
    Campaign.objects.filter(pk=campaign.pk).update(status=status)
    for person in (xmas.marketer, xmas.approver):
        login(client, person)
        response = client.get(f"/admin/campaigns/promotion/{promotion.pk}/change/")
        assert response.status_code == 200, response.content.decode()[:2000]
        page = response.content.decode()
        assert "google: Amount off 5" in page
        assert 'name="value"' not in page  # read only: no input to type into
