"""Writes of the core app. Each is atomic and leaves an audit row in the same transaction."""

from __future__ import annotations

from typing import Any

import orjson
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.core import context, events
from apps.core.batches import COPY_NULL, copy_json, copy_text
from apps.core.models import ApiToken, AuditLog, Channel, Role, User
from apps.core.roles import NON_ADMIN_ROLES


def audit_record(
    *,
    actor: User | None,
    action: str,
    object_type: str,
    object_code: str,
    diff: dict[str, Any] | None = None,
    source: str | None = None,
) -> AuditLog:
    """Append one audit row. Called by other services inside their own transaction."""
    return AuditLog.objects.create(
        actor=actor if actor is not None and actor.pk else None,
        actor_label=actor.get_username() if actor is not None else "system",
        action=action,
        object_type=object_type,
        object_code=str(object_code),
        diff=diff or {},
        source=source or context.source.get(),
        request_id=context.request_id.get(),
    )


@transaction.atomic
def user_create(
    *,
    username: str,
    password: str,
    roles: list[Role],
    actor: User | None = None,
    email: str = "",
    **extra: Any,
) -> User:
    """Create a person's account with its role groups; administrators also get the superuser flag."""
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": f"A user named {username!r} already exists."})
    is_admin = Role.ADMIN in roles
    uses_admin = is_admin or any(role not in NON_ADMIN_ROLES for role in roles)
    user = User(username=username, email=email, is_staff=uses_admin, is_superuser=is_admin, **extra)
    user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    user.groups.set(Group.objects.filter(name__in=[role.value for role in roles]))
    audit_record(
        actor=actor,
        action="user.create",
        object_type="user",
        object_code=username,
        diff={"roles": [role.value for role in roles], "is_staff": user.is_staff},
    )
    return user


@transaction.atomic
def user_set_language(*, user: User, language: str) -> User:
    """Keep a person's language choice with their account, so it follows them to any browser."""
    valid = {code for code, _name in User._meta.get_field("language").choices}
    if language not in valid:
        raise ValidationError({"language": f"{language!r} is not one of {sorted(valid)}."})
    old = user.language
    if old == language:
        return user
    user.language = language
    user.save(update_fields=["language"])
    audit_record(
        actor=user,
        action="user.set_language",
        object_type="user",
        object_code=user.username,
        diff={"language": [old, language]},
    )
    return user


@transaction.atomic
def heartbeat_record(*, label: str) -> AuditLog:
    """What a worker writes to show it is alive (used by the health check task and its test)."""
    return audit_record(actor=None, action="system.heartbeat", object_type="worker", object_code=label)


@transaction.atomic
def channel_record_change(
    *, actor: User | None, channel: Channel, diff: dict[str, Any] | None = None
) -> None:
    """Audit a channel edit and tell the apps that depend on channels, after commit."""
    audit_record(
        actor=actor, action="channel.change", object_type="channel", object_code=channel.code, diff=diff or {}
    )
    events.publish(events.ChannelChanged(code=channel.code))


@transaction.atomic
def channel_fallbacks_set(*, actor: User | None, channel: Channel, fallbacks: list[str]) -> Channel:
    """Name the channels whose scoped values `channel` takes where it has none of its own, in order
    (checked by the model: existing channels, not itself, each once); completeness is recomputed and the
    channel's feeds rebuilt, as for any channel change."""
    channel = Channel.objects.select_for_update().get(pk=channel.pk)
    before = list(channel.fallbacks)
    channel.fallbacks = list(fallbacks)
    channel.clean()
    if channel.fallbacks == before:
        return channel
    channel.save(update_fields=["fallbacks"])
    channel_record_change(actor=actor, channel=channel, diff={"fallbacks": [before, channel.fallbacks]})
    return channel


@transaction.atomic
def api_token_create(
    *, actor: User | None, user: User, name: str, scopes: list[str], channels: list[Channel] | None = None
) -> tuple[ApiToken, str]:
    """Issue a token; the raw secret is returned once and never stored."""
    from apps.core import tokens
    from apps.core.policies import may_use_api

    if not may_use_api(user):
        raise ValidationError(
            {"user": _("{user} may not use the API (store staff use the store page).").format(user=user)}
        )
    unknown = set(scopes) - set(ApiToken.Scope.values)
    if not scopes or unknown:
        raise ValidationError({"scopes": f"choose among {', '.join(ApiToken.Scope.values)}"})
    prefix, raw = tokens.generate()
    token = ApiToken.objects.create(
        user=user, name=name, prefix=prefix, key_hash=tokens.digest(raw), scopes=sorted(set(scopes))
    )
    token.channels.set(channels or [])
    audit_record(
        actor=actor,
        action="api_token.create",
        object_type="api_token",
        object_code=f"{user.username}:{prefix}",
        diff={"name": name, "scopes": token.scopes},
    )
    return token, raw


@transaction.atomic
def api_token_revoke(*, actor: User | None, token: ApiToken) -> ApiToken:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_record(
            actor=actor,
            action="api_token.revoke",
            object_type="api_token",
            object_code=f"{token.user.username}:{token.prefix}",
        )
    return token


def audit_record_many(entries: list[dict[str, Any]]) -> None:
    """Append many audit rows with one COPY (bulk writes: imports); same fields as audit_record."""
    audit_record_rows(audit_rows(entries))


def audit_rows(entries: list[dict[str, Any]]) -> str:
    """The audit rows of these entries in COPY's text format, for `audit_record_rows`: worked out apart from
    the COPY so that an import's main thread can build them while its writer thread writes.

    COPY because an INSERT of thousands of rows spends its time quoting nine parameters per row; orjson
    because json.dumps of the diffs was then the largest share of what is left."""
    source, request, now = context.source.get(), context.request_id.get(), timezone.now().isoformat()
    # an import's thousands of entries share their actor, action and source: each escaped once
    escaped: dict[str, str] = {}

    def text(value: str) -> str:
        found = escaped.get(value)
        if found is None:
            found = escaped[value] = copy_text(value)
        return found

    request = copy_text(request)
    rows = []
    for e in entries:
        actor = e["actor"]
        fields = (
            now,
            str(actor.pk) if actor is not None and actor.pk else COPY_NULL,
            text(actor.get_username() if actor is not None else "system"),
            text(e["action"]),
            text(e["object_type"]),
            copy_text(str(e["object_code"])),
            copy_json(e.get("diff") or {}, orjson.OPT_NON_STR_KEYS),
            text(e.get("source") or source),
            request,
        )
        rows.append("\t".join(fields) + "\n")
    return "".join(rows)


def audit_record_rows(rows: str | bytes) -> None:
    """Append audit rows given in COPY's text format (see `audit_rows`)."""
    if not rows:
        return
    with connection.cursor() as cursor, cursor.cursor.copy(_COPY_AUDIT) as copy:
        copy.write(rows)


_COPY_AUDIT = (
    "COPY core_auditlog (created_at, actor_id, actor_label, action, object_type, object_code, diff, source,"
    " request_id) FROM STDIN"
)
