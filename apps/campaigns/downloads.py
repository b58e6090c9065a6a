"""Streamed CSV answers, shared by the admin and the API."""

from __future__ import annotations

from collections.abc import Iterable

from django.http import StreamingHttpResponse

from apps.core.sheets import CsvWriter


def csv_response(rows: Iterable[list[str]], filename: str) -> StreamingHttpResponse:
    """`;`-separated like Noel's other files, escaped against formulas; memory stays flat."""
    writer = CsvWriter(delimiter=";")
    lines = (writer.line(row) for row in rows)
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
