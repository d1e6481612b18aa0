"""`newswatch events`: the contact timeline as a readable table."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path

from rich.console import Console
from rich.table import Table

from newswatch.domain import StoredEvent
from newswatch.output import format_rows
from newswatch.storage.db import read_session
from newswatch.storage.events import events_timeline

_STATUS_STYLE = {
    "confirmed": "green",
    "planned": "cyan",
    "reported": "yellow",
    "denied": "red",
    "cancelled": "magenta",
}


def event_day(event: StoredEvent) -> str:
    """The day of an event, or its range when the day is unknown."""
    if event.event_date:
        return event.event_date.isoformat()
    if event.date_earliest and event.date_latest:
        if event.date_earliest == event.date_latest:
            return event.date_earliest.isoformat()
        return f"{event.date_earliest.isoformat()} … {event.date_latest.isoformat()}"
    return "?"


def timeline_table(events: Sequence[StoredEvent]) -> Table:
    """A rich table of events: day, kind, status, sources, summary."""
    table = Table(title=f"{len(events)} event(s)", title_justify="left")
    for col in ("day", "kind", "status", "who says so", "sources", "copies", "summary"):
        table.add_column(col, overflow="fold")
    for e in events:
        kind = e.event_type + (" (history)" if e.historical else "")
        status = f"[{_STATUS_STYLE.get(e.status, 'white')}]{e.status}[/]"
        table.add_row(
            event_day(e),
            kind,
            status,
            e.asserted_by or "",
            str(e.independent_sources),
            str(e.copies),
            e.summary or "",
        )
    return table


TIMELINE_COLUMNS = (
    "event_id", "day", "kind", "status", "historical", "who_says_so",
    "independent_sources", "copies", "summary",
)  # fmt: skip


def timeline_rows(events: Sequence[StoredEvent]) -> list[tuple[object, ...]]:
    """One row per event, for CSV and JSON output (columns: TIMELINE_COLUMNS)."""
    return [
        (
            e.event_id,
            event_day(e),
            e.event_type,
            e.status,
            e.historical,
            e.asserted_by,
            e.independent_sources,
            e.copies,
            e.summary,
        )
        for e in events
    ]


def print_timeline(
    db_path: str | Path,
    *,
    since: date | None = None,
    kinds: Sequence[str] | None = None,
    statuses: Sequence[str] | None = None,
    watch: str | None = None,
    include_history: bool = True,
    fmt: str = "table",
    console: Console | None = None,
) -> int:
    """Print the events of the database as a table, CSV or JSON; returns the exit code."""
    with read_session(db_path) as con:
        events = events_timeline(
            con,
            watch=watch,
            since=since,
            kinds=kinds,
            statuses=statuses,
            include_history=include_history,
        )
    if fmt == "table":
        (console or Console(width=160)).print(timeline_table(events))
    else:
        print(format_rows(TIMELINE_COLUMNS, timeline_rows(events), fmt))
    return 0
