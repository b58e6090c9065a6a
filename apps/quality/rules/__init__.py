"""The rules shipped with Noel; importing this package registers them (QualityConfig.ready)."""

from apps.quality.rules import assets, catalog, feeds, imports, prices, stock, text  # noqa: F401
