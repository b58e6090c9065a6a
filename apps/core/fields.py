from typing import Any

from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.postgresql.operations import get_json_dumps
from psycopg.types.json import Json


class WrittenJSONField(models.JSONField):
    """JSON kept as PostgreSQL `json`, for records that are written often, shown, and never searched inside
    (the audit log): `json` only checks the text on the way in, where `jsonb` takes it apart and rebuilds
    it (a fifth of what an import's audit row costs PostgreSQL), and it keeps the keys in the order they
    were written. No lookup inside such a field: PostgreSQL's `jsonb` operators do not apply to it."""

    def db_type(self, connection: BaseDatabaseWrapper) -> str:
        return "json"

    def get_db_prep_value(self, value: Any, connection: BaseDatabaseWrapper, prepared: bool = False) -> Any:
        if not prepared:
            value = self.get_prep_value(value)
        # as written: Django's adapter would send jsonb, cast back to json with its keys re-sorted
        return Json(value, dumps=get_json_dumps(self.encoder))

    def from_db_value(self, value: Any, expression: Any, connection: BaseDatabaseWrapper) -> Any:
        # psycopg decodes `json` itself (Django hands it only `jsonb` as text)
        if isinstance(value, str):
            return super().from_db_value(value, expression, connection)
        return value
