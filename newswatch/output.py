"""Rows out of the CLI: one renderer for table, CSV and JSON, and the `--since` date parser."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

FORMATS = ("table", "csv", "json")


class DateInputError(ValueError):
    """A date given on the command line cannot be understood."""


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return value


def format_rows(
    columns: Sequence[str], rows: Sequence[Sequence[Any]], fmt: str, title: str | None = None
) -> str:
    """Render rows as a table, CSV or JSON (a list of objects, one per row)."""
    if fmt == "json":
        return json.dumps(
            [{c: _jsonable(v) for c, v in zip(columns, row, strict=True)} for row in rows]
        )
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(columns)
        for row in rows:
            writer.writerow(["" if v is None else _jsonable(v) for v in row])
        return buf.getvalue().rstrip("\n")
    from rich.console import Console
    from rich.table import Table

    table = Table(*columns, show_lines=False, title=title, title_justify="left")
    for row in rows:
        table.add_row(*("" if v is None else str(_jsonable(v)) for v in row))
    out = io.StringIO()
    Console(file=out, width=200, force_terminal=False).print(table)
    return out.getvalue().rstrip("\n")


def parse_day(text: str, now: datetime | None = None) -> date:
    """A day from the command line: ISO (2025-01-31), or natural ("yesterday", "3 days ago").

    Raises `DateInputError` with a one-line message for anything else.
    """
    text = text.strip()
    try:
        return date.fromisoformat(text)
    except ValueError:
        pass
    import dateparser

    base = (now or datetime.now(UTC)).replace(tzinfo=None)
    try:
        parsed = dateparser.parse(
            text,
            settings={
                "RELATIVE_BASE": base,
                "PREFER_DATES_FROM": "past",
                "RETURN_AS_TIMEZONE_AWARE": False,
            },
        )
    except (ValueError, OverflowError, TypeError):  # dateparser's own errors on odd input
        parsed = None
    if parsed is None:
        raise DateInputError(
            f"'{text}' is not a date (try 2025-01-31, yesterday, '3 days ago', 'last monday')"
        )
    return parsed.date()
