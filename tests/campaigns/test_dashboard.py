"""The campaigns' panel on the admin home: upcoming and live campaigns with readiness, countdown and what
is blocking, linked; for marketers, approvers and merchandisers; its cost does not grow with campaigns."""

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.test.client import RequestFactory

from apps.campaigns import services
from apps.campaigns.dashboard import campaign_queue_panel, campaigns_panel
from apps.core.models import Role
from tests.admin_helpers import page_queries
from tests.campaigns.factories import NOW, approved, plan
from tests.core.factories import UserFactory


def panel_for(user):
    request = RequestFactory().get("/admin/")
    request.user = user
    return campaigns_panel(request)


def rows_of(table) -> dict[str, dict[str, object]]:
    return {row[0].text: dict(zip(table.columns, row, strict=True)) for row in table.rows}


@pytest.fixture
def planned(xmas, clock):
    """XMAS approved (plush: TOY-1, a draft product), DRAFTY a draft, OLD already over."""
    xmas_campaign = approved(xmas)
    drafty = plan(xmas, code="DRAFTY", categories=["decorations"], start=NOW + timedelta(days=3))
    old = plan(xmas, code="OLD", start=NOW + timedelta(hours=1), end=NOW + timedelta(hours=2))
    clock.move_to(NOW + timedelta(hours=3))
    return xmas_campaign, drafty, old


def test_upcoming_campaigns_show_readiness_and_the_countdown_to_their_start(planned, xmas):
    xmas_campaign, _drafty, _old = planned
    campaigns, _blocking = panel_for(xmas.marketer)
    rows = rows_of(campaigns)
    assert list(rows) == ["DRAFTY", "XMAS"]  # by start; OLD has ended
    xmas_row = rows["XMAS"]
    assert xmas_row["Products"].text == 1
    assert xmas_row["Approved"].text == "0 %" and xmas_row["Approved"].alert  # TOY-1 is a draft product
    assert xmas_row["In stock"].text == "100 %" and not xmas_row["In stock"].alert
    assert xmas_row["Ready"].link == f"/admin/campaigns/campaign/{xmas_campaign.pk}/readiness/"
    assert xmas_row["Approved"].link.endswith("/readiness/?problem=approval")
    starts_in = xmas_campaign.starts_at - (NOW + timedelta(hours=3))
    assert xmas_row["When"].text == f"starts in {starts_in.days} d {starts_in.seconds // 3600} h"
    assert rows["DRAFTY"]["When"].text == "starts in 2 d 21 h"


def test_what_is_blocking_is_listed_with_where_to_fix_it(planned, xmas):
    xmas_campaign, drafty, _old = planned
    _campaigns, blocking = panel_for(xmas.marketer)
    lines = [(row[0].text, row[1].text, row[1].link) for row in blocking.rows]
    change = f"/admin/campaigns/campaign/{drafty.pk}/change/"
    assert ("DRAFTY", "draft: to submit for approval", change) in lines
    readiness = f"/admin/campaigns/campaign/{xmas_campaign.pk}/readiness/"
    assert ("XMAS", "1 product(s): not approved", f"{readiness}?problem=approval") in lines
    assert not [line for line in lines if line[0] == "XMAS" and "sold out" in line[1]]


def test_a_submitted_campaign_waits_for_approval_on_the_review_page(planned, xmas):
    _xmas, drafty, _old = planned
    services.campaign_submit(actor=xmas.marketer, campaign=drafty)
    _campaigns, blocking = panel_for(xmas.approver)
    assert ["DRAFTY", "waiting for approval", f"/admin/campaigns/campaign/{drafty.pk}/review/"] in [
        [row[0].text, row[1].text, row[1].link] for row in blocking.rows
    ]


def test_a_live_campaign_counts_down_to_its_end(planned, xmas, clock):
    xmas_campaign, _drafty, _old = planned
    clock.move_to(xmas_campaign.starts_at + timedelta(hours=1))
    services.campaigns_tick()
    rows = rows_of(panel_for(xmas.marketer)[0])
    assert rows["XMAS"]["Status"].text == "Live"
    left = xmas_campaign.ends_at - (xmas_campaign.starts_at + timedelta(hours=1))
    assert rows["XMAS"]["When"].text == f"live, ends in {left.days} d {left.seconds // 3600} h"


def test_the_panel_is_for_marketers_approvers_and_merchandisers(planned, xmas):
    assert panel_for(xmas.approver) and panel_for(xmas.merchandiser)
    assert panel_for(UserFactory(username="chloe", roles=[Role.CHANNEL_MANAGER])) == []


def test_the_admin_home_costs_the_same_queries_for_one_campaign_or_five(xmas, clock, client):
    client.force_login(xmas.marketer)
    approved(xmas)
    one = page_queries(client, "/admin/", 'data-table="campaigns"')
    for n in range(4):
        plan(xmas, code=f"MORE{n}", categories=["toys"], channels=[xmas.web])
    assert page_queries(client, "/admin/", 'data-table="campaigns"') == one <= 40


def queue_for(user) -> dict[str, object]:
    request = RequestFactory().get("/admin/")
    request.user = user
    return {tile.label: tile for tile in campaign_queue_panel(request)}


def test_campaign_queues_follow_four_eyes_and_link_to_the_filtered_list(xmas, clock, client):
    plan(xmas, code="MINE")
    sent = plan(xmas, code="SENT")
    services.campaign_submit(actor=xmas.marketer, campaign=sent)
    both = UserFactory(username="max", roles=[Role.MARKETER, Role.APPROVER])
    own = plan(SimpleNamespace(**{**vars(xmas), "marketer": both}), code="OWN", categories=["decorations"])
    services.campaign_submit(actor=both, campaign=own)
    marketer = queue_for(xmas.marketer)
    assert list(marketer) == ["my campaign drafts"] and marketer["my campaign drafts"].value == 1
    assert queue_for(both)["campaigns waiting for my approval"].value == 1  # SENT, never his own OWN
    approver = queue_for(xmas.approver)
    assert list(approver) == ["campaigns waiting for my approval"]
    assert approver["campaigns waiting for my approval"].value == 2
    assert queue_for(UserFactory(username="chloe", roles=[Role.CHANNEL_MANAGER])) == {}
    client.force_login(both)
    page = client.get(queue_for(both)["campaigns waiting for my approval"].link).content.decode()
    assert "SENT" in page and "OWN" not in page and "MINE" not in page


def test_the_whole_admin_home_of_an_administrator_is_bounded_whatever_the_channels_and_campaigns(
    xmas, clock, client, django_assert_max_num_queries
):
    from apps.channels import services as feeds
    from apps.channels.models import Feed
    from apps.products.services import completeness_snapshot_take
    from tests.products.factories import ChannelFactory

    client.force_login(UserFactory(username="root", is_superuser=True))
    approved(xmas)
    feeds.feed_create(
        actor=None, channel=xmas.google, name="products", format=Feed.Format.GOOGLE, locale="fr_FR"
    )
    completeness_snapshot_take()
    markers = [f'data-table="{name}"' for name in ("channels", "campaigns", "blocking")]
    markers.append('data-chart="completeness-history"')
    with django_assert_max_num_queries(60):
        one = page_queries(client, "/admin/", *markers)
    for n in range(3):
        channel = ChannelFactory(code=f"more{n}")
        feeds.feed_create(actor=None, channel=channel, name="f", format=Feed.Format.CSV, locale="fr_FR")
        plan(xmas, code=f"MORE{n}", categories=["decorations"], channels=[channel, xmas.web])
    completeness_snapshot_take()
    assert page_queries(client, "/admin/", *markers) == one


def test_a_campaign_targeting_nothing_says_so_rather_than_looking_ready(xmas, clock):
    from apps.campaigns.models import Promotion

    empty = plan(xmas, code="EMPTY", categories=["decorations"])
    Promotion.objects.filter(campaign=empty).update(categories=["nowhere"])
    campaigns, blocking = panel_for(xmas.marketer)
    row = rows_of(campaigns)["EMPTY"]
    assert row["Products"].text == 0 and row["Ready"].text == "—"
    assert ["EMPTY", "no product targeted"] in [[r[0].text, r[1].text] for r in blocking.rows]
