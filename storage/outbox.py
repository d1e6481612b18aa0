"""The alert outbox (table `alerts`): queued with the event change, delivered after commit.

Every function takes an open connection and runs plain SQL; the caller owns the
transaction. Rows are keyed by a stable id (event, kind, announced status, channel), so
queuing the same alert twice is a no-op, and a message id shared by the channels is the
id users see in the message (Slack footer, email Message-ID).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol, cast
from urllib.parse import urlsplit

import duckdb

from newswatch.config import Watch
from newswatch.domain import (
    EVENT_STATUSES,
    EVENT_TYPES,
    AlertKind,
    AlertMessage,
    EventStatus,
    EventType,
    stable_id,
)

# Most source lines one message carries; the count of the rest is still shown.
MAX_SOURCES = 12

# Order of delivery within one `created_at`: the `new` before its `update`.
_KIND_RANK = "CASE kind WHEN 'new' THEN 0 WHEN 'summary' THEN 1 ELSE 2 END"

_COLUMNS = (
    "alert_id, event_id, channel, kind, status, attempts, created_at, sent_at, error, "
    "event_status, previous_status, next_attempt_at, message_id, run_id"
)


class QueuedIntent(Protocol):
    """What `queue_alerts` needs of an intent (alerts.policy.AlertIntent fits)."""

    @property
    def event_id(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def event_status(self) -> str | None: ...
    @property
    def previous_status(self) -> str | None: ...
    @property
    def covered_event_ids(self) -> tuple[str, ...]: ...


@dataclass(frozen=True)
class OutboxAlert:
    """One outbox row: one alert for one channel."""

    alert_id: str
    event_id: str
    channel: str
    kind: str  # new | update | summary
    status: str  # pending | sent | failed
    attempts: int
    created_at: datetime
    sent_at: datetime | None
    error: str | None
    event_status: str | None
    previous_status: str | None
    next_attempt_at: datetime | None
    message_id: str
    run_id: str | None


def alert_id_for(event_id: str, kind: str, event_status: str | None, channel: str) -> str:
    """The outbox key: one row per event, kind, announced status and channel."""
    return stable_id(event_id, kind, event_status or "", channel)


def message_id_for(event_id: str, kind: str, event_status: str | None) -> str:
    """The id users see, shared by every channel that carries the same alert."""
    return stable_id(event_id, kind, event_status or "", "message")


def queue_alerts(
    con: duckdb.DuckDBPyConnection,
    intents: Sequence[QueuedIntent],
    channels: Sequence[str],
    run_id: str | None,
    now: datetime,
) -> int:
    """Queue one pending row per intent per channel; returns how many rows are new.

    A `summary` intent queues one row per covered event, all sharing the summary's
    message id, so delivery sends them as one message and marks them together.
    """
    rows: list[list[object]] = []
    for intent in intents:
        if intent.kind == "summary":
            for event_id in intent.covered_event_ids:
                for channel in channels:
                    alert_id = alert_id_for(event_id, "summary", None, channel)
                    rows.append(
                        [alert_id, event_id, channel, "summary", None, None, intent.event_id]
                    )
            continue
        message_id = message_id_for(intent.event_id, intent.kind, intent.event_status)
        for channel in channels:
            alert_id = alert_id_for(intent.event_id, intent.kind, intent.event_status, channel)
            rows.append(
                [
                    alert_id,
                    intent.event_id,
                    channel,
                    intent.kind,
                    intent.event_status,
                    intent.previous_status,
                    message_id,
                ]
            )
    queued = 0
    for row in rows:
        result = con.execute(
            "INSERT INTO alerts (alert_id, event_id, channel, kind, event_status, "
            "previous_status, message_id, status, attempts, created_at, run_id) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', 0, ?, ?) ON CONFLICT DO NOTHING",
            [*row, now, run_id],
        ).fetchone()
        queued += int(result[0]) if result else 0
    return queued


def queue_retractions(
    con: duckdb.DuckDBPyConnection, event_id: str, channels: Sequence[str], now: datetime
) -> int:
    """One `retraction` row per channel that announced the event; returns how many are new.

    The rows take the run id of the event's first run, so delivery for its watch sends them.
    """
    row = con.execute("SELECT first_run_id FROM events WHERE event_id = ?", [event_id]).fetchone()
    run_id = row[0] if row else None
    message_id = message_id_for(event_id, "retraction", None)
    queued = 0
    for channel in channels:
        result = con.execute(
            "INSERT INTO alerts (alert_id, event_id, channel, kind, event_status, "
            "previous_status, message_id, status, attempts, created_at, run_id) "
            "VALUES (?, ?, ?, 'retraction', NULL, NULL, ?, 'pending', 0, ?, ?) "
            "ON CONFLICT DO NOTHING",
            [
                alert_id_for(event_id, "retraction", None, channel),
                event_id,
                channel,
                message_id,
                now,
                run_id,
            ],
        ).fetchone()
        queued += int(result[0]) if result else 0
    return queued


def due_alerts(
    con: duckdb.DuckDBPyConnection,
    now: datetime,
    channels: Sequence[str],
    *,
    limit: int | None = None,
    watch: str | None = None,
) -> list[OutboxAlert]:
    """Pending rows for these channels whose next attempt is due, oldest first.

    With `watch`, only rows queued by that watch's runs: each watch renders its own.
    """
    if not channels:
        return []
    marks = ", ".join("?" for _ in channels)
    params: list[object] = [*channels, now]
    only_watch = ""
    if watch is not None:
        only_watch = "AND run_id IN (SELECT run_id FROM runs WHERE watch = ?) "
        params.append(watch)
    # An event a user retracted or merged away announces nothing more but its retraction.
    sql = (
        f"SELECT {_COLUMNS} FROM alerts WHERE status = 'pending' AND channel IN ({marks}) "
        "AND (next_attempt_at IS NULL OR next_attempt_at <= ?) "
        "AND (kind = 'retraction' OR event_id NOT IN (SELECT event_id FROM events "
        "WHERE retracted_at IS NOT NULL OR merged_into IS NOT NULL)) "
        + only_watch
        + f"ORDER BY created_at, {_KIND_RANK}, event_id, channel"
    )
    if limit is not None:
        sql += " LIMIT ?"
        params.append(limit)
    return [_row(r) for r in con.execute(sql, params).fetchall()]


def hold_alerts(
    con: duckdb.DuckDBPyConnection, alert_ids: Sequence[str], until: datetime | None
) -> None:
    """Set when pending rows are next due: a lease while one process delivers them
    (so a second process skips them), or None to make them due again at once."""
    for alert_id in alert_ids:
        con.execute(
            "UPDATE alerts SET next_attempt_at = ? WHERE alert_id = ? AND status = 'pending'",
            [until, alert_id],
        )


def mark_sent(con: duckdb.DuckDBPyConnection, alert_id: str, now: datetime) -> None:
    """The channel accepted the message."""
    con.execute(
        "UPDATE alerts SET status = 'sent', sent_at = ?, attempts = attempts + 1, "
        "error = NULL, next_attempt_at = NULL WHERE alert_id = ?",
        [now, alert_id],
    )


def mark_retry(
    con: duckdb.DuckDBPyConnection,
    alert_id: str,
    error: str,
    now: datetime,
    next_attempt_at: datetime | None,
) -> None:
    """A passing failure: stay pending, due again at `next_attempt_at` (or `now`)."""
    con.execute(
        "UPDATE alerts SET attempts = attempts + 1, error = ?, next_attempt_at = ? "
        "WHERE alert_id = ? AND status = 'pending'",
        [error, next_attempt_at or now, alert_id],
    )


def mark_failed(con: duckdb.DuckDBPyConnection, alert_id: str, error: str, now: datetime) -> None:
    """Give up until `newswatch alerts retry`; `now` is not stored (no failed_at column)."""
    del now
    con.execute(
        "UPDATE alerts SET status = 'failed', attempts = attempts + 1, error = ?, "
        "next_attempt_at = NULL WHERE alert_id = ? AND status = 'pending'",
        [error, alert_id],
    )


def list_alerts(con: duckdb.DuckDBPyConnection, status: str | None = None) -> list[OutboxAlert]:
    """Outbox rows, newest first; only those with `status` when given."""
    sql = f"SELECT {_COLUMNS} FROM alerts"
    params: list[object] = []
    if status is not None:
        sql += " WHERE status = ?"
        params.append(status)
    sql += f" ORDER BY created_at DESC, {_KIND_RANK} DESC, event_id, channel"
    return [_row(r) for r in con.execute(sql, params).fetchall()]


def reset_failed(con: duckdb.DuckDBPyConnection) -> int:
    """Make failed rows pending again with a fresh attempt count; returns how many."""
    result = con.execute(
        "UPDATE alerts SET status = 'pending', attempts = 0, next_attempt_at = NULL "
        "WHERE status = 'failed'"
    ).fetchone()
    return int(result[0]) if result else 0


def load_alert_message(
    con: duckdb.DuckDBPyConnection, alert: str | OutboxAlert, watch: Watch
) -> AlertMessage:
    """Everything a channel renders for one outbox row, read from events, mentions, articles.

    `AlertMessage.alert_id` carries the row's *message id*: the id shared by all channels
    and shown to users. A `summary` row yields the message of its one event (kind `new`).
    """
    row = _get_alert(con, alert) if isinstance(alert, str) else alert
    event = con.execute(
        "SELECT event_type, participants, status, event_date, date_earliest, date_latest, "
        "location, summary, asserted_by, independent_sources, copies "
        "FROM events WHERE event_id = ?",
        [row.event_id],
    ).fetchone()
    if event is None:
        raise LookupError(f"alert {row.alert_id}: event {row.event_id} is not in the database")
    (event_type, participants, current_status, event_date, earliest, latest, location) = event[:7]
    summary, asserted_by, independent, copies = event[7:]
    status = _status(row.event_status or current_status)
    mentions = _mentions(con, row.event_id)
    best = _best_mention(mentions, status)
    if status != current_status and best is not None and best.status == status:
        # A stale pending alert announces an older status: say who said that one.
        asserted_by = best.asserted_by
    independent_seen = sum(1 for m in mentions if not m.is_copy)
    kind: AlertKind = row.kind if row.kind in ("update", "retraction") else "new"  # type: ignore[assignment]
    keys = tuple(str(p) for p in participants)
    return AlertMessage(
        alert_id=row.message_id,
        event_id=row.event_id,
        kind=kind,
        event_type=_event_type(event_type),
        participants=keys,
        participant_names=tuple(watch.actor_display_name(k) for k in keys),
        status=status,
        previous_status=_status(row.previous_status) if row.previous_status else None,
        event_date=_as_date(event_date),
        date_earliest=_as_date(earliest),
        date_latest=_as_date(latest),
        location=location,
        summary=summary or "",
        evidence=best.evidence if best else "",
        asserted_by=asserted_by,
        independent_sources=int(independent) or independent_seen,
        copies=int(copies) or (len(mentions) - independent_seen),
        sources=_source_lines(mentions),
        watch=watch.name,
        thread_id=_thread_id(con, row.event_id),
    )


@dataclass(frozen=True)
class _MentionRow:
    article_id: str
    evidence: str
    status: str | None
    asserted_by: str | None
    is_copy: bool
    title: str | None
    url: str | None
    site_name: str | None
    published_at: datetime | None


def _mentions(con: duckdb.DuckDBPyConnection, event_id: str) -> list[_MentionRow]:
    rows = con.execute(
        "SELECT m.article_id, m.evidence, m.status, m.asserted_by, "
        "m.is_copy OR a.duplicate_of IS NOT NULL, a.title, coalesce(a.final_url, a.url), "
        "a.site_name, a.published_at "
        "FROM event_mentions m LEFT JOIN articles a ON a.article_id = m.article_id "
        "WHERE m.event_id = ?",
        [event_id],
    ).fetchall()
    return [
        _MentionRow(
            article_id=str(r[0]),
            evidence=str(r[1] or ""),
            status=r[2],
            asserted_by=r[3],
            is_copy=bool(r[4]),
            title=r[5],
            url=r[6],
            site_name=r[7],
            published_at=r[8],
        )
        for r in rows
    ]


def _best_mention(mentions: Sequence[_MentionRow], status: str) -> _MentionRow | None:
    """The evidence to quote: an original over a copy, one that asserts the announced
    status, one that names who says so, the earliest published."""

    def rank(m: _MentionRow) -> tuple[bool, bool, bool, bool, str, str]:
        published = m.published_at
        return (
            m.is_copy,
            m.status != status,
            m.asserted_by is None,
            published is None,
            published.isoformat() if published else "",
            m.article_id,
        )

    usable = [m for m in mentions if m.evidence and m.evidence.strip()]
    return min(usable, key=rank) if usable else None


def _source_lines(mentions: Sequence[_MentionRow]) -> tuple[tuple[str, str, bool], ...]:
    """(outlet: title, url, is_copy): independent sources first, earliest first."""
    ordered = sorted(
        mentions,
        key=lambda m: (m.is_copy, m.published_at is None, str(m.published_at), m.article_id),
    )
    seen: set[str] = set()
    lines: list[tuple[str, str, bool]] = []
    for m in ordered:
        url = m.url or ""
        if url in seen:
            continue
        seen.add(url)
        outlet = m.site_name or _host(url)
        title = (m.title or "").strip()
        label = f"{outlet}: {title}" if outlet and title else (outlet or title or url)
        lines.append((label, url, m.is_copy))
    return tuple(lines[:MAX_SOURCES])


def _thread_id(con: duckdb.DuckDBPyConnection, event_id: str) -> str | None:
    row = con.execute(
        "SELECT message_id FROM alerts WHERE event_id = ? AND kind = 'new' "
        "ORDER BY created_at LIMIT 1",
        [event_id],
    ).fetchone()
    return str(row[0]) if row and row[0] else None


def _get_alert(con: duckdb.DuckDBPyConnection, alert_id: str) -> OutboxAlert:
    row = con.execute(f"SELECT {_COLUMNS} FROM alerts WHERE alert_id = ?", [alert_id]).fetchone()
    if row is None:
        raise LookupError(f"no alert {alert_id} in the outbox")
    return _row(row)


def _row(r: tuple[object, ...]) -> OutboxAlert:
    return OutboxAlert(
        alert_id=str(r[0]),
        event_id=str(r[1]),
        channel=str(r[2]),
        kind=str(r[3]),
        status=str(r[4]),
        attempts=int(cast(int, r[5])),
        created_at=cast(datetime, r[6]),
        sent_at=cast("datetime | None", r[7]),
        error=cast("str | None", r[8]),
        event_status=cast("str | None", r[9]),
        previous_status=cast("str | None", r[10]),
        next_attempt_at=cast("datetime | None", r[11]),
        # Rows written before message ids existed fall back to their own id.
        message_id=str(r[12] or r[0]),
        run_id=cast("str | None", r[13]),
    )


def _host(url: str) -> str:
    host = urlsplit(url).hostname or ""
    return host.removeprefix("www.")


def _status(value: object) -> EventStatus:
    if value not in EVENT_STATUSES:
        raise ValueError(f"unknown event status {value!r}")
    return cast(EventStatus, value)


def _event_type(value: object) -> EventType:
    if value not in EVENT_TYPES:
        raise ValueError(f"unknown event type {value!r}")
    return cast(EventType, value)


def _as_date(value: object) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    return value if isinstance(value, date) else None
