from dataclasses import dataclass

from apps.core.events import Event


@dataclass(frozen=True, slots=True)
class CampaignChanged(Event):
    """A campaign was created, edited, or changed status; on start, end or cancel its prices switched
    on these channels (feeds carry the sale price and its dates from the effective prices)."""

    code: str
    status: str
    channel_codes: tuple[str, ...]
    # "started" or "ended" when this change switched the campaign's prices on or off, else ""
    transition: str = ""
