from tests.channels.conftest import feeds  # noqa: F401  (the feeds fixture: a Google feed over the shop)
