"""Noel's own files: products in Akeneo's flat convention, and the narrow price and stock files."""
