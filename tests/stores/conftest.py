from tests.channels.conftest import feeds  # noqa: F401  (the Google feed over the test shop)
