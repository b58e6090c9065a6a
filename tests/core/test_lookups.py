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


def test_an_array_literal_keeps_every_text_as_data():
    from apps.core.lookups import array_literal

    texts = ["a,b", "{braces}", 'say "hi"', "back\\slash", "NULL", "", " spaced ", "é ✓", None]
    with connection.cursor() as cursor:
        cursor.execute("SELECT %s::text[], %s::bigint[]", [array_literal(texts), array_literal([1, None, 3])])
        assert cursor.fetchone() == (texts, [1, None, 3])


def test_any_finds_texts_that_look_like_array_syntax():
    ChannelFactory(code="a_b")
    found = Channel.objects.filter(code__any=["a_b", 'x","a_b', "NULL"]).values_list("code", flat=True)
    assert list(found) == ["a_b"]
