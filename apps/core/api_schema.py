"""The base of every API input schema."""

from __future__ import annotations

import types
import typing
from datetime import date, datetime
from typing import Any, Literal

import orjson
from django.http import HttpRequest
from ninja import Schema
from ninja.parser import Parser
from pydantic import ValidationInfo, field_validator

MAX_DEPTH = 32  # nesting of lists and objects in one field: values are 4 deep, a measurement 5


def _problem(value: Any) -> str | None:
    """Why a field's value is refused (a NUL character, nesting past MAX_DEPTH), or None. Walked without
    recursion: 900 nested arrays once exhausted Python's stack."""
    stack = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return "must not contain NUL characters"
        elif isinstance(item, dict | list | tuple):
            if depth >= MAX_DEPTH:
                return f"is nested more than {MAX_DEPTH} levels deep"
            if isinstance(item, dict):
                stack.extend((key, depth) for key in item)
                stack.extend((child, depth + 1) for child in item.values())
            else:
                stack.extend((child, depth + 1) for child in item)
    return None


class InputSchema(Schema):
    """PostgreSQL text cannot hold NUL characters, and nothing Noel takes nests deeper than a few levels:
    refuse both as bad input naming the field rather than fail later."""

    @field_validator("*", mode="before")
    @classmethod
    def no_nul_characters(cls, value: Any) -> Any:
        if (problem := _problem(value)) is not None:
            raise ValueError(problem)
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


class BodyParser(Parser):
    """JSON bodies read by orjson, without Python recursion: 900 nested arrays reach the schema (which
    refuses them naming the field) instead of exhausting the stack in json.loads."""

    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        return orjson.loads(request.body)
