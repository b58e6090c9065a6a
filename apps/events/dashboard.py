"""The webhooks' panel on the admin home: endpoints paused (with why) or failing, for administrators."""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.core.dashboard import Block, Cell, Table
from apps.core.policies import is_administrator
from apps.events.models import WebhookEndpoint


def webhooks_panel(request: HttpRequest) -> list[Block]:
    if not is_administrator(request.user):
        return []
    troubled = list(
        WebhookEndpoint.objects.exclude(
            status=WebhookEndpoint.Status.ACTIVE, failing_since__isnull=True
        ).order_by("name")[:20]
    )
    if not troubled:
        return []
    rows = []
    for endpoint in troubled:
        paused = endpoint.status == WebhookEndpoint.Status.PAUSED
        rows.append(
            [
                Cell(endpoint.name, reverse("admin:events_webhookendpoint_change", args=[endpoint.pk])),
                Cell(endpoint.get_status_display(), alert=paused),
                Cell(endpoint.paused_reason or "—", alert=paused),
                Cell(
                    timezone.localtime(endpoint.failing_since).strftime("%d/%m %H:%M")
                    if endpoint.failing_since
                    else "—",
                    alert=endpoint.failing_since is not None,
                ),
            ]
        )
    return [
        Table(
            name=_("Webhook endpoints paused or failing"),
            columns=[_("endpoint"), _("status"), _("why"), _("failing since")],
            rows=rows,
        )
    ]
