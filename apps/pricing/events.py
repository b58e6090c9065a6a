from dataclasses import dataclass

from apps.core.events import Event


@dataclass(frozen=True, slots=True)
class EffectivePricesChanged(Event):
    """Effective prices of these products changed on these channels: feeds must carry them."""

    product_ids: tuple[int, ...]
    channel_codes: tuple[str, ...]
