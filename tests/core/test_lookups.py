import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.core.models import Channel
from tests.products.factories import ChannelFactory

pytestmark = pytest.mark.django_db


def test_any_finds_the_same_rows_as_in_with_a_single_array_parameter():
    wanted = [ChannelFactory(code="web").pk, ChannelFactory(code="google").pk]
    ids = [*wanted, *range(10_000_000, 10_002_000)]  # thousands of ids, most matching nothing
    with CaptureQueriesContext(connection) as queries:
        found = list(Channel.objects.filter(pk__any=ids).order_by("pk").values_list("pk", flat=True))
    assert found == sorted(wanted)
    assert found == list(Channel.objects.filter(pk__in=ids).order_by("pk").values_list("pk", flat=True))
    sql = queries.captured_queries[0]["sql"]
    assert "= ANY(" in sql and "::bigint[]" in sql and " IN (" not in sql


def test_any_accepts_a_set_and_matches_text_columns():
    ChannelFactory(code="web")
    ChannelFactory(code="google")
    found = Channel.objects.filter(code__any={"web", "nowhere"}).values_list("code", flat=True)
    assert list(found) == ["web"]
