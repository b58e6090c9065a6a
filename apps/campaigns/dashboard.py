"""The campaigns' panel on the admin home: upcoming and live campaigns, how ready each is, how long until
it starts, and what is blocking it, each linked to where it is fixed."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.campaigns import selectors
from apps.campaigns.models import Campaign
from apps.core.dashboard import Block, Cell, Table, Tile, duration, shown_to
from apps.core.models import Role

S = Campaign.Status
COMING = (S.DRAFT, S.SUBMITTED, S.APPROVED, S.SCHEDULED, S.LIVE)


def campaigns_panel(request: HttpRequest) -> list[Block]:
    if not request.user.has_perm("campaigns.view_campaign") or not shown_to(
        request, Role.MARKETER, Role.APPROVER, Role.MERCHANDISER
    ):
        return []
    now = timezone.now()
    limit = int(getattr(settings, "NOEL_DASHBOARD_CAMPAIGNS", 10))
    campaigns = list(
        Campaign.objects.filter(status__in=COMING, ends_at__gt=now).order_by("starts_at", "code")[:limit]
    )
    readiness = selectors.campaigns_readiness(campaigns, now=now)
    rows, blocking = [], []
    for campaign in campaigns:
        ready = readiness[campaign.pk]
        change = reverse("admin:campaigns_campaign_change", args=[campaign.pk])
        page = reverse("admin:campaigns_campaign_readiness", args=[campaign.pk])
        review = reverse("admin:campaigns_campaign_review", args=[campaign.pk])
        if campaign.starts_at > now:
            when = _("starts in %(time)s") % {"time": duration(campaign.starts_at - now)}
        else:
            when = _("live, ends in %(time)s") % {"time": duration(campaign.ends_at - now)}
        shares = [
            (ready.ready, ""), (ready.approved, "approval"), (ready.complete, "completeness"),
            (ready.in_stock, "stock"), (ready.images, "image"),
        ]  # fmt: skip
        rows.append(
            [
                Cell(campaign.code, change),
                Cell(campaign.get_status_display()),
                Cell(when),
                Cell(len(ready.products), page, alert=not ready.products),
                *(
                    Cell(f"{share:g} %", f"{page}?problem={problem}" if problem else page, alert=share < 100)
                    if ready.products
                    else Cell("—")
                    for share, problem in shares
                ),
            ]
        )
        if not ready.products:
            blocking.append([Cell(campaign.code, change), Cell(_("no product targeted"), change, alert=True)])
        if campaign.status == S.DRAFT:
            blocking.append([Cell(campaign.code, change), Cell(_("draft: to submit for approval"), change)])
        elif campaign.status == S.SUBMITTED:
            blocking.append([Cell(campaign.code, change), Cell(_("waiting for approval"), review)])
        errors = (campaign.findings or {}).get("errors", 0)
        if errors:
            label = _("%(n)d guard-rail error(s) at the last check") % {"n": errors}
            blocking.append([Cell(campaign.code, change), Cell(label, review, alert=True)])
        for problem, count in ready.counts().items():
            if count:
                label = _("%(n)d product(s): %(problem)s") % {
                    "n": count,
                    "problem": selectors.PROBLEMS[problem],
                }
                blocking.append(
                    [Cell(campaign.code, change), Cell(label, f"{page}?problem={problem}", alert=True)]
                )
    columns = [
        _("Campaign"), _("Status"), _("When"), _("Products"), _("Ready"), _("Approved"), _("Complete"),
        _("In stock"), _("Valid pictures"),
    ]  # fmt: skip
    return [
        Table(columns, rows, name="campaigns", empty=_("No campaign coming.")),
        Table(
            [_("Campaign"), _("What is blocking")], blocking, name="blocking", empty=_("Nothing is blocking.")
        ),
    ]


def campaign_queue_panel(request: HttpRequest) -> list[Block]:
    """My campaign drafts and the submissions waiting for my approval (not ones I planned or edited)."""
    user, url = request.user, reverse("admin:campaigns_campaign_changelist")
    tiles: list[Block] = []
    if user.has_perm("campaigns.add_campaign") and shown_to(request, Role.MARKETER):
        drafts = selectors.campaigns_drafts_of(user).count()
        tiles.append(Tile(_("my campaign drafts"), drafts, f"{url}?queue=drafts"))
    if user.has_perm("campaigns.approve_campaign") and shown_to(request, Role.APPROVER):
        waiting = selectors.campaigns_awaiting_approval_by(user).count()
        tiles.append(
            Tile(_("campaigns waiting for my approval"), waiting, f"{url}?queue=to_approve", alert=True)
        )
    return tiles
