"""Akeneo's export files: a whole catalog (set-up, products, media, prices) from a ZIP or a folder."""
