"""`field__any=[...]`: membership as one array parameter (`= ANY(%s::type[])`) instead of an IN list.

Django prepares each element of an IN list one by one and psycopg parses a query with thousands of
placeholders anew on every call; for the feed builds' chunks of 2,000 ids that cost more than the
query itself. The explicit cast matters too: psycopg sends small integers as smallint[], which keeps
PostgreSQL from using a bigint index.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Field, ForeignObject, Lookup


class AnyOf(Lookup):
    lookup_name = "any"
    prepare_rhs = False

    def get_db_prep_lookup(self, value: Any, connection: Any) -> tuple[str, list[Any]]:
        return "%s", [list(value)]

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        array_type = self.lhs.output_field.cast_db_type(connection)
        return f"{lhs} = ANY({rhs}::{array_type}[])", [*lhs_params, *rhs_params]


# Relations keep lookups of their own (Django stops their lookup search at ForeignObject).
Field.register_lookup(AnyOf)
ForeignObject.register_lookup(AnyOf)
