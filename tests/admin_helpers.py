"""Helpers for admin page tests."""

from django.db import connection
from django.test.utils import CaptureQueriesContext


def page_queries(client, url: str, *markers: str) -> int:
    """The queries one page costs, after checking that it answers and shows each marker."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    page = response.content.decode()
    assert response.status_code == 200 and all(marker in page for marker in markers)
    return len(queries)
