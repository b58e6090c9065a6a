"""Shopify's product CSV: products, variants, pictures by address and stock counts."""
