"""Events and their mentions: load the watch's events, apply a batch's resolution."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import date, datetime
from typing import Any

import duckdb

from newswatch.domain import EventChange, Mention, ResolutionResult, StoredEvent

_EVENT_COLUMNS = """
    event_id, event_type, participants, status, event_date, date_earliest, date_latest,
    location, summary, historical, first_seen_at, updated_at, asserted_by,
    independent_sources, copies
"""


def _to_event(row: tuple[Any, ...]) -> StoredEvent:
    return StoredEvent(
        event_id=row[0],
        event_type=row[1],
        participants=tuple(row[2]),
        status=row[3],
        event_date=row[4],
        date_earliest=row[5],
        date_latest=row[6],
        location=row[7],
        summary=row[8],
        historical=bool(row[9]),
        first_seen_at=row[10],
        updated_at=row[11],
        asserted_by=row[12],
        independent_sources=row[13] or 0,
        copies=row[14] or 0,
    )


def events_by_id(con: duckdb.DuckDBPyConnection, event_ids: Sequence[str]) -> list[StoredEvent]:
    """The events with these ids, in the order given (unknown ids are left out)."""
    if not event_ids:
        return []
    rows = con.execute(
        f"SELECT {_EVENT_COLUMNS} FROM events WHERE event_id IN (SELECT unnest(?))",
        [list(event_ids)],
    ).fetchall()
    found = {r[0]: _to_event(r) for r in rows}
    return [found[i] for i in event_ids if i in found]


def load_events(con: duckdb.DuckDBPyConnection, watch: str) -> list[StoredEvent]:
    """All events of a watch, oldest first."""
    rows = con.execute(
        f"SELECT {_EVENT_COLUMNS} FROM events WHERE watch = ? ORDER BY first_seen_at, event_id",
        [watch],
    ).fetchall()
    return [_to_event(r) for r in rows]


def save_resolution(
    con: duckdb.DuckDBPyConnection,
    watch: str,
    result: ResolutionResult,
    *,
    run_id: str,
    now: datetime,
    repointed_articles: Iterable[str] = (),
    extractor: str | None = None,
) -> int:
    """Upsert changed events and insert new mentions; returns the number of mentions added.

    `extractor` (rules, llm, keyword) is recorded when an event is first stored, so live
    precision can be told per extractor (`newswatch quality`).

    Source counts are recomputed for every event touched, and for the events of articles
    whose copy link changed (`repointed_articles`).
    """
    for change in result.changes:
        e = change.event
        con.execute(
            """
            INSERT INTO events (
                event_id, event_type, participants, event_date, date_earliest, date_latest,
                status, location, summary, first_seen_at, updated_at, watch, historical,
                asserted_by, first_run_id, extractor
            ) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (event_id) DO UPDATE SET
                event_type = excluded.event_type,
                event_date = excluded.event_date,
                date_earliest = excluded.date_earliest,
                date_latest = excluded.date_latest,
                status = excluded.status,
                location = excluded.location,
                summary = excluded.summary,
                updated_at = excluded.updated_at,
                historical = excluded.historical,
                asserted_by = excluded.asserted_by
            """,
            [
                e.event_id,
                e.event_type,
                list(e.participants),
                e.event_date,
                e.date_earliest,
                e.date_latest,
                e.status,
                e.location,
                e.summary,
                e.first_seen_at,
                e.updated_at,
                watch,
                e.historical,
                e.asserted_by,
                run_id,
                extractor,
            ],
        )
    added = 0
    if result.mentions:
        mentions = result.mentions
        # One statement for the batch's mentions; RETURNING counts the ones that are new.
        inserted = con.execute(
            """
            INSERT INTO event_mentions
                (event_id, article_id, evidence, status, asserted_by, is_copy, created_at,
                 historical)
            SELECT unnest(?::VARCHAR[]), unnest(?::VARCHAR[]), unnest(?::VARCHAR[]),
                   unnest(?::VARCHAR[]), unnest(?::VARCHAR[]), unnest(?::BOOLEAN[]), ?,
                   unnest(?::BOOLEAN[])
            ON CONFLICT (event_id, article_id) DO NOTHING
            RETURNING event_id
            """,
            [
                [m.event_id for m in mentions],
                [m.article_id for m in mentions],
                [m.evidence for m in mentions],
                [m.status for m in mentions],
                [m.asserted_by for m in mentions],
                [m.is_copy for m in mentions],
                now,
                [m.historical for m in mentions],
            ],
        ).fetchall()
        added = len(inserted)
    touched = {c.event.event_id for c in result.changes} | {m.event_id for m in result.mentions}
    touched |= events_mentioning(con, repointed_articles)
    refresh_source_counts(con, sorted(touched))
    return added


# An article's outlet: the host of its canonical URL without a leading "www." (site names
# are missing on some pages and spelled differently on others; hosts are not).
_OUTLET = (
    "lower(regexp_extract(a.canonical_url, '^[A-Za-z][A-Za-z0-9+.-]*://(?:www\\.)?([^/:?#]+)', 1))"
)


def refresh_source_counts(con: duckdb.DuckDBPyConnection, event_ids: Sequence[str]) -> None:
    """Recount independent sources and copies of events from their mentions.

    Independent sources are distinct *outlets* whose original (not copied) article
    reports the contact as news, not as background; two articles of one outlet count
    once. Copies are the copied articles (wire copies, syndication), counted apart. A
    mention counts as a copy when its article is a copy of another *now* (articles.
    duplicate_of), so a group whose original changes is recounted right.
    """
    if not event_ids:
        return
    con.execute(
        f"""
        UPDATE events SET
            independent_sources = c.independent,
            copies = c.copies
        FROM (
            SELECT m.event_id,
                   count(DISTINCT {_OUTLET}) FILTER (
                       WHERE a.duplicate_of IS NULL AND NOT coalesce(m.historical, FALSE)
                   ) AS independent,
                   count(*) FILTER (WHERE a.duplicate_of IS NOT NULL) AS copies
            FROM event_mentions m LEFT JOIN articles a USING (article_id)
            WHERE m.event_id IN (SELECT unnest(?))
            GROUP BY m.event_id
        ) AS c
        WHERE events.event_id = c.event_id
        """,
        [list(event_ids)],
    )


def events_mentioning(con: duckdb.DuckDBPyConnection, article_ids: Iterable[str]) -> set[str]:
    """Events that any of these articles mention."""
    ids = list(article_ids)
    if not ids:
        return set()
    rows = con.execute(
        "SELECT DISTINCT event_id FROM event_mentions WHERE article_id IN (SELECT unnest(?))", [ids]
    ).fetchall()
    return {r[0] for r in rows}


def with_current_counts(
    con: duckdb.DuckDBPyConnection, changes: Sequence[EventChange]
) -> list[EventChange]:
    """The changes with the events' source counts as stored after this batch."""
    counts = {
        r[0]: (int(r[1]), int(r[2]))
        for r in con.execute(
            "SELECT event_id, independent_sources, copies FROM events WHERE event_id IN (SELECT unnest(?))",
            [[c.event.event_id for c in changes]],
        ).fetchall()
    }
    out = []
    for c in changes:
        independent, copies = counts.get(
            c.event.event_id, (c.event.independent_sources, c.event.copies)
        )
        out.append(
            replace(c, event=replace(c.event, independent_sources=independent, copies=copies))
        )
    return out


def events_timeline(
    con: duckdb.DuckDBPyConnection,
    *,
    watch: str | None = None,
    since: date | None = None,
    kinds: Sequence[str] | None = None,
    statuses: Sequence[str] | None = None,
    include_history: bool = True,
) -> list[StoredEvent]:
    """Events ordered by contact day (or range start), filtered for `newswatch events`."""
    # Events users marked wrong or merged into another are not part of the timeline.
    where = ["retracted_at IS NULL", "merged_into IS NULL"]
    params: list[object] = []
    if watch:
        where.append("watch = ?")
        params.append(watch)
    if since:
        where.append("coalesce(event_date, date_latest, date_earliest) >= ?")
        params.append(since)
    if kinds:
        where.append("event_type IN (SELECT unnest(?))")
        params.append(list(kinds))
    if statuses:
        where.append("status IN (SELECT unnest(?))")
        params.append(list(statuses))
    if not include_history:
        where.append("NOT historical")
    rows = con.execute(
        f"SELECT {_EVENT_COLUMNS} FROM events WHERE {' AND '.join(where)} "
        "ORDER BY coalesce(event_date, date_earliest, date_latest) NULLS LAST, event_id",
        params,
    ).fetchall()
    return [_to_event(r) for r in rows]


def event_summaries(con: duckdb.DuckDBPyConnection, event_ids: Iterable[str]) -> dict[str, str]:
    """The one-line summary of each event, for listings."""
    ids = list(dict.fromkeys(event_ids))
    if not ids:
        return {}
    rows = con.execute(
        "SELECT event_id, coalesce(summary, event_type) FROM events WHERE event_id IN (SELECT unnest(?))",
        [ids],
    ).fetchall()
    return {r[0]: r[1] for r in rows}


def load_mentions(con: duckdb.DuckDBPyConnection, watch: str) -> list[Mention]:
    """Every mention of the watch's events."""
    rows = con.execute(
        """
        SELECT m.event_id, m.article_id, m.evidence, m.status, m.asserted_by, m.is_copy
        FROM event_mentions m JOIN events e USING (event_id)
        WHERE e.watch = ? ORDER BY m.event_id, m.article_id
        """,
        [watch],
    ).fetchall()
    return [Mention(r[0], r[1], r[2], r[3], r[4], bool(r[5])) for r in rows]


def first_reported_at(
    con: duckdb.DuckDBPyConnection, event_ids: Sequence[str]
) -> dict[str, datetime | None]:
    """Per event, the earliest publication time of any stored article that reports it
    (None when none of them is dated): when the contact was first news."""
    ids = list(dict.fromkeys(event_ids))
    if not ids:
        return {}
    rows = con.execute(
        """
        SELECT m.event_id, min(a.published_at)
        FROM event_mentions m LEFT JOIN articles a USING (article_id)
        WHERE m.event_id IN (SELECT unnest(?::VARCHAR[]))
        GROUP BY m.event_id
        """,
        [ids],
    ).fetchall()
    return {r[0]: r[1] for r in rows}
