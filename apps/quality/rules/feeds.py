"""Feeds: what a channel's last feed run held back and why, recorded by the channels app after each run
(apps.quality.services.feed_held_back_record), so it shows with every other finding."""

from __future__ import annotations

from apps.quality.models import Severity
from apps.quality.registry import Rule, register


@register
class FeedHeldBack(Rule):
    code = "feed_held_back"
    # A warning: it reports the feed's own decision, and must not hold the item back a second time.
    severity = Severity.WARNING
    category = "feeds"
    description = "The channel's last feed run held the item back; the message says which rule it broke."
    passive = True
