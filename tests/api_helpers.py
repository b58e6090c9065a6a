"""Calling the REST API as an integration does: a bearer token issued through the service."""

from apps.core.models import Role
from apps.core.services import api_token_create
from tests.core.factories import UserFactory


def token_for(*, roles=(Role.INTEGRATOR,), scopes=("read", "write"), channels=None, username="erp") -> str:
    user = UserFactory(username=username, is_staff=False, roles=list(roles))
    return api_token_create(actor=None, user=user, name="test", scopes=list(scopes), channels=channels)[1]


def bearer(raw: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def token_kept_after_moving_to(*, roles, username="moved") -> str:
    """A token Noel issued while its person was an integrator, kept after they moved to `roles` (Noel
    issues none to store staff: this is how one of theirs can exist)."""
    from django.contrib.auth.models import Group

    from apps.core.models import User

    raw = token_for(username=username)
    User.objects.get(username=username).groups.set([Group.objects.get(name=Role(r).value) for r in roles])
    return raw
