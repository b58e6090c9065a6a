"""The base of every API input schema."""

from __future__ import annotations

import types
import typing
from datetime import date, datetime
from typing import Any, Literal

from ninja import Schema
from pydantic import ValidationInfo, field_validator


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(_has_nul(v) for v in value)
    return False


class InputSchema(Schema):
    """PostgreSQL text cannot hold NUL characters: refuse them as bad input rather than fail later."""

    @field_validator("*", mode="before")
    @classmethod
    def no_nul_characters(cls, value: Any) -> Any:
        if _has_nul(value):
            raise ValueError("must not contain NUL characters")
        return value

    @field_validator("*", mode="before")
    @classmethod
    def no_coercion_across_types(cls, value: Any, info: ValidationInfo) -> Any:
        """What the document says, no more: pydantic would take 0 for false and 0.5 for a date (seconds
        since 1970); a boolean is true or false, a date an ISO 8601 text."""
        kinds = _kinds(cls.model_fields[info.field_name].annotation)
        boolean = isinstance(value, bool) or (isinstance(value, str) and value.lower() in ("true", "false"))
        if bool in kinds and not boolean:
            raise ValueError("must be true or false")
        text = isinstance(value, str) and not value.strip().replace(".", "", 1).lstrip("-").isdigit()
        if kinds & {datetime, date} and not (isinstance(value, datetime | date) or text):
            raise ValueError("must be an ISO 8601 date and time, e.g. 2026-12-24T09:00:00+01:00")
        return value


def _kinds(annotation: Any) -> set:
    """The plain types an annotation allows (`bool | None` → {bool, NoneType})."""
    if typing.get_origin(annotation) in (typing.Union, types.UnionType, typing.Annotated):
        return set().union(*(_kinds(arg) for arg in typing.get_args(annotation)))
    return {annotation}


def one_of(choices) -> Any:
    """A field taking one of a Django choices class's values, documented inline with exactly those values.
    As schema components, the classes of every app were all named "Status" and overwrote one another: the
    product, asset and campaign filters listed the feed runs' statuses."""
    return Literal[tuple(choices.values)]
