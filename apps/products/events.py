from dataclasses import dataclass

from apps.core.events import Event


@dataclass(frozen=True, slots=True)
class ProductsChanged(Event):
    """Products whose data changed (one event per write, or per import batch)."""

    skus: tuple[str, ...]
    source: str
    # what happened to them: "created", "changed", "approved" or "retired"
    action: str = "changed"
