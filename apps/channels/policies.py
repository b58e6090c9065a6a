"""Who may work on which channel's feeds, for the admin and the API alike.

A channel manager granted "manage channel" on some channels (django-guardian object permissions, given
on the channel in the admin) sees and builds only those channels' feeds. People without such grants
keep their role's rights over every channel.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from apps.channels.models import Feed, FeedIssue, FeedRun
from apps.core import policies as core_policies
from apps.core.models import Channel, User

MANAGE = core_policies.MANAGE_CHANNEL


def channel_scope(user: User) -> set[str] | None:
    """Channel codes the person is limited to, or None when unlimited."""
    return core_policies.channel_scope(user)


def may_manage(user: User, channel: Channel) -> bool:
    """Whether the person's channel limits (if any) include this channel."""
    scope = channel_scope(user)
    return scope is None or channel.code in scope


def _limit(queryset: QuerySet, user: User, path: str) -> QuerySet:
    scope = channel_scope(user)
    return queryset if scope is None else queryset.filter(**{f"{path}__in": sorted(scope)})


def visible_feeds(user: User, queryset: QuerySet[Feed]) -> QuerySet[Feed]:
    return _limit(queryset, user, "channel__code")


def visible_runs(user: User, queryset: QuerySet[FeedRun]) -> QuerySet[FeedRun]:
    return _limit(queryset, user, "feed__channel__code")


def visible_issues(user: User, queryset: QuerySet[FeedIssue]) -> QuerySet[FeedIssue]:
    return _limit(queryset, user, "run__feed__channel__code")


def can_build(user: User, channel: Channel) -> bool:
    scope = channel_scope(user)
    return user.has_perm("channels.build_feed") and (scope is None or channel.code in scope)


def build_refusal(actor: User | None, feed: Feed, *, by_person: bool) -> str | None:
    """Why a build task may not run (None when it may): a build for a person needs them active and
    allowed to build the feed's channel; a timed build (no person) needs the feed to have a schedule."""
    if by_person:
        if actor is None or not actor.is_active or not can_build(actor, feed.channel):
            return _("{who} may not build the feeds of {channel}.").format(
                who=actor.get_username() if actor else _("nobody"), channel=feed.channel.code
            )
        return None
    if feed.schedule_id is None:
        return _("{feed} has no schedule: timed builds are not asked for.").format(feed=feed)
    return None
