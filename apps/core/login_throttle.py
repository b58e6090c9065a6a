"""Who is trying to sign in, and when to stop them (django-axes).

A person's address is the connecting address, unless that is one of NOEL_TRUSTED_PROXIES: then the last
address the proxies recorded in X-Forwarded-For that is not itself a proxy. A client elsewhere may send any
X-Forwarded-For it likes: it is not believed, so it can neither hide nor pose as someone else.

Failed logins lock a username at one address after AXES_FAILURE_LIMIT failures (a typo-prone person does
not lock out the others), and an address after AXES_ADDRESS_FAILURE_LIMIT failures whatever the usernames
(one password sprayed across many accounts), both for AXES_COOLOFF_TIME.
"""

from __future__ import annotations

import ipaddress

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_failure_limit
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum
from django.http import HttpRequest


def _trusted(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return False
    return any(ip in ipaddress.ip_network(proxy, strict=False) for proxy in settings.NOEL_TRUSTED_PROXIES)


def client_address(request: HttpRequest) -> str:
    """The address of the person behind the request (AXES_CLIENT_IP_CALLABLE)."""
    address = request.META.get("REMOTE_ADDR", "")
    if not settings.NOEL_TRUSTED_PROXIES or not _trusted(address):
        return address
    hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    for hop in reversed(hops):  # the proxies append: the rightmost untrusted hop is the client
        if not _trusted(hop):
            try:
                return str(ipaddress.ip_address(hop))
            except ValueError:
                return (
                    address  # a proxy forwarded garbage: count it under the proxy, not under a made-up name
                )
    return address


class AddressAwareAxesHandler(AxesDatabaseHandler):
    """axes' database handler, with a lock per address across usernames on top of its per-username one."""

    def get_failures(self, request, credentials: dict | None = None) -> int:
        failures = super().get_failures(request, credentials)
        from_address = AccessAttempt.objects.filter(
            ip_address=request.axes_ip_address, attempt_time__gte=get_cool_off_threshold(request)
        ).aggregate(total=Sum("failures_since_start"))["total"]
        if (from_address or 0) >= settings.AXES_ADDRESS_FAILURE_LIMIT:
            return max(failures, get_failure_limit(request, credentials))
        return failures
