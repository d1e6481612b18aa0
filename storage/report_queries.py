"""Read-only queries behind the HTML report, all through the views in views.sql."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import duckdb

# How many runs the report lists: enough to see a pattern of failures at a glance
# (a day of hourly runs is 24; ten shows the last few hours), short enough to stay a footnote.
RUN_HISTORY_LIMIT = 10


@dataclass(frozen=True)
class ReportContact:
    """One contact (call, meeting, message) or statement as the report shows it."""

    event_id: str
    watch: str
    kind: str
    day: str | None
    event_date: date | None
    date_earliest: date | None
    date_latest: date | None
    status: str
    who_says_so: str | None
    location: str | None
    summary: str | None
    independent_sources: int
    copies: int
    historical: bool


@dataclass(frozen=True)
class ReportMention:
    """One article reporting a contact, with the sentence(s) that say so."""

    event_id: str
    outlet: str | None
    title: str | None
    url: str | None
    published_at: datetime | None
    article_says: str | None
    is_copy: bool
    evidence: str


@dataclass(frozen=True)
class ReportSourceHealth:
    """The health of one source of one watch."""

    watch: str
    source: str
    kind: str
    url: str | None
    health: str
    last_success_at: datetime | None
    last_error_at: datetime | None
    last_error: str | None
    consecutive_failures: int


@dataclass(frozen=True)
class ReportRun:
    """One monitoring pass, newest first in the report."""

    run_id: str
    watch: str
    status: str
    started_at: datetime
    seconds: float | None
    pages_fetched: int
    pages_failed: int
    articles_stored: int
    events_new: int
    events_updated: int
    alerts_sent: int
    alerts_failed: int
    error: str | None


@dataclass(frozen=True)
class ReportData:
    """Everything the HTML report shows, read in one session."""

    contacts: list[ReportContact]
    statements: list[ReportContact]
    mentions: list[ReportMention]
    sources: list[ReportSourceHealth]
    runs: list[ReportRun]


_CONTACT_COLUMNS = """
    event_id, watch, kind, day, event_date, date_earliest, date_latest, status,
    who_says_so, location, summary, independent_sources, copies, historical
"""

# Newest first; an unknown day sorts by the end of its range.
_CONTACT_ORDER = (
    "ORDER BY coalesce(event_date, date_latest, date_earliest) DESC NULLS LAST, event_id"
)


def _to_contact(row: tuple) -> ReportContact:
    return ReportContact(
        event_id=row[0],
        watch=row[1],
        kind=row[2],
        day=row[3],
        event_date=row[4],
        date_earliest=row[5],
        date_latest=row[6],
        status=row[7],
        who_says_so=row[8],
        location=row[9],
        summary=row[10],
        independent_sources=int(row[11] or 0),
        copies=int(row[12] or 0),
        historical=bool(row[13]),
    )


def load_contacts(con: duckdb.DuckDBPyConnection) -> list[ReportContact]:
    """All contacts (the `contacts` view), newest first."""
    rows = con.execute(f"SELECT {_CONTACT_COLUMNS} FROM contacts {_CONTACT_ORDER}").fetchall()
    return [_to_contact(r) for r in rows]


def load_statements(con: duckdb.DuckDBPyConnection) -> list[ReportContact]:
    """Statements (willingness to talk), which the `contacts` view leaves out; newest first."""
    rows = con.execute(
        f"""
        SELECT {_CONTACT_COLUMNS} FROM (
            SELECT
                event_id, watch, event_type AS kind,
                coalesce(CAST(event_date AS VARCHAR),
                         CAST(date_earliest AS VARCHAR) || ' .. ' || CAST(date_latest AS VARCHAR)) AS day,
                event_date, date_earliest, date_latest, status,
                asserted_by AS who_says_so, location, summary, independent_sources, copies,
                historical
            FROM events
            WHERE event_type = 'statement'
        ) {_CONTACT_ORDER}
        """
    ).fetchall()
    return [_to_contact(r) for r in rows]


def load_mentions(con: duckdb.DuckDBPyConnection) -> list[ReportMention]:
    """Every article behind a contact (the `contact_sources` view), originals before copies."""
    rows = con.execute(
        """
        SELECT event_id, outlet, title, url, published_at, article_says, is_copy, evidence
        FROM contact_sources
        WHERE kind IN ('call', 'meeting', 'message')
        ORDER BY event_id, coalesce(is_copy, FALSE), published_at NULLS LAST, article_id
        """
    ).fetchall()
    return [
        ReportMention(
            event_id=r[0],
            outlet=r[1],
            title=r[2],
            url=r[3],
            published_at=r[4],
            article_says=r[5],
            is_copy=bool(r[6]),
            evidence=r[7],
        )
        for r in rows
    ]


def load_source_health(con: duckdb.DuckDBPyConnection) -> list[ReportSourceHealth]:
    """Per source health (the `source_health` view), the most troubled first."""
    rows = con.execute(
        """
        SELECT watch, source, kind, url, health, last_success_at, last_error_at, last_error,
               consecutive_failures
        FROM source_health
        ORDER BY consecutive_failures DESC, watch, source
        """
    ).fetchall()
    return [
        ReportSourceHealth(
            watch=r[0],
            source=r[1],
            kind=r[2],
            url=r[3],
            health=r[4],
            last_success_at=r[5],
            last_error_at=r[6],
            last_error=r[7],
            consecutive_failures=int(r[8] or 0),
        )
        for r in rows
    ]


def load_run_history(
    con: duckdb.DuckDBPyConnection, limit: int = RUN_HISTORY_LIMIT
) -> list[ReportRun]:
    """The latest runs (the `run_history` view), newest first."""
    rows = con.execute(
        """
        SELECT run_id, watch, status, started_at, seconds, pages_fetched, pages_failed,
               articles_stored, events_new, events_updated, alerts_sent, alerts_failed, error
        FROM run_history
        ORDER BY started_at DESC, run_id
        LIMIT ?
        """,
        [limit],
    ).fetchall()
    return [
        ReportRun(
            run_id=r[0],
            watch=r[1],
            status=r[2],
            started_at=r[3],
            seconds=float(r[4]) if r[4] is not None else None,
            pages_fetched=int(r[5] or 0),
            pages_failed=int(r[6] or 0),
            articles_stored=int(r[7] or 0),
            events_new=int(r[8] or 0),
            events_updated=int(r[9] or 0),
            alerts_sent=int(r[10] or 0),
            alerts_failed=int(r[11] or 0),
            error=r[12],
        )
        for r in rows
    ]


def load_report_data(con: duckdb.DuckDBPyConnection) -> ReportData:
    """Contacts, statements, their sources, source health and recent runs."""
    return ReportData(
        contacts=load_contacts(con),
        statements=load_statements(con),
        mentions=load_mentions(con),
        sources=load_source_health(con),
        runs=load_run_history(con),
    )
