from dataclasses import dataclass

from apps.core.events import Event


@dataclass(frozen=True, slots=True)
class StockChanged(Event):
    """Stock of these products changed; `crossed_zero` lists (product id, channel code) that sold out
    or came back, which every feed of that channel must carry at its next build."""

    product_ids: tuple[int, ...]
    crossed_zero: tuple[tuple[int, str], ...]
