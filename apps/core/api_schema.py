"""The base of every API input schema."""

from __future__ import annotations

from typing import Any

import orjson
from django.http import HttpRequest
from ninja import Schema
from ninja.parser import Parser
from pydantic import field_validator

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


class BodyParser(Parser):
    """JSON bodies read by orjson, without Python recursion: 900 nested arrays reach the schema (which
    refuses them naming the field) instead of exhausting the stack in json.loads."""

    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        return orjson.loads(request.body)
