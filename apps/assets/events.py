from dataclasses import dataclass

from apps.core.events import Event


@dataclass(frozen=True, slots=True)
class AssetsChanged(Event):
    """Assets, or the pictures of these products, changed: feeds showing them must be rebuilt."""

    asset_ids: tuple[int, ...]
    skus: tuple[str, ...]
    action: str


@dataclass(frozen=True, slots=True)
class AssetsExpired(Event):
    """The rights of these assets ended: feeds stop using them; these products and channels showed them."""

    asset_ids: tuple[int, ...]
    skus: tuple[str, ...]
    channel_codes: tuple[str, ...]
