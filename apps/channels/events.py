from dataclasses import dataclass

from apps.core.events import Event


@dataclass(frozen=True, slots=True)
class FeedPublished(Event):
    """A feed's new file is the one its channel reads."""

    channel_code: str
    feed: str
    run_id: int
    published: int
    held_back: int
