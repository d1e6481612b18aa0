"""Feedback on events: stored verdicts, retractions, merges, corrections that hold.

Every verdict is kept in `feedback`; `reapply_feedback` makes the events tables agree with
all of them and is idempotent, so it runs after `newswatch feedback`, after each stored
batch and after `newswatch reprocess` — a correction survives whatever re-derives events.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import duckdb

from newswatch.domain import StoredEvent
from newswatch.feedback import EventState, Feedback, QualityRow
from newswatch.storage.events import events_by_id


def event_state(con: duckdb.DuckDBPyConnection, event_id: str | None) -> EventState | None:
    """The event, the event that survives it after merges, and whether it was retracted."""
    if not event_id:
        return None
    current = event_id
    seen: set[str] = set()
    while True:
        row = con.execute(
            "SELECT merged_into, retracted_at IS NOT NULL FROM events WHERE event_id = ?",
            [current],
        ).fetchone()
        if row is None:
            return None if current == event_id else EventState(event_id, current, False)
        merged_into, retracted = row
        if merged_into is None or merged_into in seen:
            return EventState(event_id, current, bool(retracted))
        seen.add(current)
        current = merged_into


def save_feedback(con: duckdb.DuckDBPyConnection, feedback: Feedback) -> None:
    con.execute(
        "INSERT INTO feedback (feedback_id, event_id, verdict, value, note, given_by, given_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
        [
            feedback.feedback_id,
            feedback.event_id,
            feedback.verdict,
            feedback.value,
            feedback.note,
            feedback.given_by,
            feedback.given_at,
        ],
    )


def reapply_feedback(con: duckdb.DuckDBPyConnection, now: datetime) -> None:
    """Make events agree with every stored verdict (idempotent)."""
    # Runs call this after every stored batch: with no verdict at all there is nothing to do.
    if con.execute("SELECT 1 FROM feedback LIMIT 1").fetchone() is None:
        return
    # The latest verdict of each kind wins: a later `ok` clears an earlier `wrong`.
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE latest_feedback AS
        SELECT * FROM (
            SELECT *, row_number() OVER (
                PARTITION BY event_id,
                    CASE WHEN verdict IN ('ok', 'wrong') THEN 'judgement' ELSE verdict END
                ORDER BY given_at DESC, feedback_id DESC) AS rank
            FROM feedback)
        WHERE rank = 1
        """
    )
    con.execute(
        """
        UPDATE events SET retracted_at = coalesce(events.retracted_at, ?)
        FROM latest_feedback f
        WHERE f.event_id = events.event_id AND f.verdict = 'wrong'
        """,
        [now],
    )
    con.execute(
        """
        UPDATE events SET retracted_at = NULL
        FROM latest_feedback f
        WHERE f.event_id = events.event_id AND f.verdict = 'ok'
        """
    )
    con.execute(
        """
        UPDATE events SET event_date = CAST(f.value AS DATE),
            date_earliest = CAST(f.value AS DATE), date_latest = CAST(f.value AS DATE)
        FROM latest_feedback f
        WHERE f.event_id = events.event_id AND f.verdict = 'date'
          AND events.event_date IS DISTINCT FROM CAST(f.value AS DATE)
        """
    )
    con.execute(
        """
        UPDATE events SET event_type = f.value
        FROM latest_feedback f
        WHERE f.event_id = events.event_id AND f.verdict = 'kind'
          AND events.event_type <> f.value
        """
    )
    con.execute(
        """
        UPDATE events SET merged_into = f.value
        FROM latest_feedback f
        WHERE f.event_id = events.event_id AND f.verdict = 'duplicate'
          AND events.merged_into IS DISTINCT FROM f.value
        """
    )
    _move_mentions_to_survivors(con)


def _move_mentions_to_survivors(con: duckdb.DuckDBPyConnection) -> None:
    """Mentions of a merged event belong to the event it was merged into."""
    merged = con.execute(
        "SELECT event_id, merged_into FROM events WHERE merged_into IS NOT NULL"
    ).fetchall()
    if not merged:
        return
    con.execute(
        """
        INSERT INTO event_mentions
            (event_id, article_id, evidence, status, asserted_by, is_copy, created_at)
        SELECT e.merged_into, m.article_id, m.evidence, m.status, m.asserted_by, m.is_copy,
               m.created_at
        FROM event_mentions m JOIN events e USING (event_id)
        WHERE e.merged_into IS NOT NULL
        ON CONFLICT DO NOTHING
        """
    )
    con.execute(
        """
        DELETE FROM event_mentions
        WHERE event_id IN (SELECT event_id FROM events WHERE merged_into IS NOT NULL)
        """
    )


def suppressed_event_ids(con: duckdb.DuckDBPyConnection, event_ids: Sequence[str]) -> set[str]:
    """Events users retracted or merged away: they never alert again."""
    ids = list(dict.fromkeys(event_ids))
    if not ids:
        return set()
    rows = con.execute(
        "SELECT event_id FROM events WHERE event_id IN (SELECT unnest(?)) "
        "AND (retracted_at IS NOT NULL OR merged_into IS NOT NULL)",
        [ids],
    ).fetchall()
    return {r[0] for r in rows}


def announcing_channels(con: duckdb.DuckDBPyConnection, event_id: str) -> list[str]:
    """Channels that delivered a `new` or `update` alert for the event."""
    rows = con.execute(
        "SELECT DISTINCT channel FROM alerts WHERE event_id = ? AND status = 'sent' "
        "AND kind IN ('new', 'update') ORDER BY channel",
        [event_id],
    ).fetchall()
    return [r[0] for r in rows]


_LABEL = """
    CASE WHEN e.merged_into IS NOT NULL THEN 'duplicate'
         WHEN e.retracted_at IS NOT NULL THEN 'wrong'
         WHEN j.verdict = 'ok' THEN 'ok' END
"""


def quality_rows(con: duckdb.DuckDBPyConnection, by: str) -> list[QualityRow]:
    """Live precision of alerted events, per ISO week of the first alert or per extractor."""
    group = "strftime(first_sent, '%G-W%V')" if by == "week" else "coalesce(e.extractor, 'unknown')"
    rows = con.execute(
        f"""
        WITH alerted AS (
            SELECT event_id, min(sent_at) AS first_sent FROM alerts
            WHERE status = 'sent' AND kind IN ('new', 'update') GROUP BY event_id),
        judged AS (
            SELECT event_id, arg_max(verdict, given_at) AS verdict FROM feedback
            WHERE verdict IN ('ok', 'wrong') GROUP BY event_id),
        fixes AS (
            SELECT event_id, bool_or(verdict = 'date') AS redated,
                   bool_or(verdict = 'kind') AS rekinded
            FROM feedback GROUP BY event_id),
        labelled AS (
            SELECT {group} AS grp, {_LABEL} AS label,
                   coalesce(x.redated, FALSE) AS redated, coalesce(x.rekinded, FALSE) AS rekinded
            FROM alerted a JOIN events e USING (event_id)
            LEFT JOIN judged j USING (event_id) LEFT JOIN fixes x USING (event_id))
        SELECT grp, count(*), count(label), count(*) FILTER (label = 'ok'),
               count(*) FILTER (label = 'wrong'), count(*) FILTER (label = 'duplicate'),
               count(*) FILTER (redated), count(*) FILTER (rekinded)
        FROM labelled GROUP BY grp ORDER BY grp
        """
    ).fetchall()
    return [QualityRow(str(r[0]), *(int(v) for v in r[1:])) for r in rows]


def labelled_events(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    """(event_id, label) for every event a user judged: ok, wrong or duplicate."""
    rows = con.execute(
        f"""
        WITH judged AS (
            SELECT event_id, arg_max(verdict, given_at) AS verdict FROM feedback
            WHERE verdict IN ('ok', 'wrong', 'date', 'kind') GROUP BY event_id)
        SELECT e.event_id, coalesce({_LABEL}, 'ok') FROM events e
        LEFT JOIN judged j USING (event_id)
        WHERE e.event_id IN (SELECT event_id FROM feedback)
        ORDER BY e.event_id
        """
    ).fetchall()
    return [(r[0], r[1]) for r in rows]


@dataclass(frozen=True)
class LabelledMention:
    """An article that mentions a judged event, with what the user said of the event."""

    article_id: str
    title: str | None
    text: str
    published_at: datetime | None
    url: str
    language: str | None
    event_id: str
    label: str  # ok | wrong | duplicate
    historical: bool


def labelled_mentions(con: duckdb.DuckDBPyConnection) -> list[LabelledMention]:
    """Every article mentioning a judged event (merged events counted at their survivor)."""
    labels = dict(labelled_events(con))
    if not labels:
        return []
    rows = con.execute(
        """
        SELECT a.article_id, a.title, a.text, a.published_at, a.canonical_url, a.language,
               coalesce(e.merged_into, e.event_id), e.event_id, e.historical
        FROM event_mentions m JOIN events e USING (event_id) JOIN articles a USING (article_id)
        WHERE e.event_id IN (SELECT unnest(?)) OR e.merged_into IN (SELECT unnest(?))
        ORDER BY a.published_at NULLS LAST, a.article_id, e.event_id
        """,
        [list(labels), list(labels)],
    ).fetchall()
    return [
        LabelledMention(
            article_id=r[0],
            title=r[1],
            text=r[2] or "",
            published_at=r[3],
            url=r[4],
            language=r[5],
            event_id=r[6],
            label=labels.get(r[6], labels.get(r[7], "ok")),
            historical=bool(r[8]),
        )
        for r in rows
    ]


def judged_events(con: duckdb.DuckDBPyConnection, event_ids: Sequence[str]) -> list[StoredEvent]:
    """The judged events themselves, as stored (with corrections applied)."""
    return events_by_id(con, list(dict.fromkeys(event_ids)))
