"""Source health and operator notices: the runs that brought new links, the state last
announced, and the notices queued in the outbox (`alerts.kind = 'ops'`).

The caller owns the transaction: health, notices and their outbox rows are written in
one, so a notice is queued exactly once even if the process dies around it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import cast

import duckdb

from newswatch.domain import OpsNotice, stable_id
from newswatch.source_health import NEWS_HISTORY_RUNS, HealthVerdict, SourceHealth, SourceHistory


def record_new_links(
    con: duckdb.DuckDBPyConnection,
    watch: str,
    run_id: str,
    now: datetime,
    new_by_source: Mapping[str, int],
) -> None:
    """Remember that this run brought new links from these sources."""
    rows = [[watch, s, run_id, now, n] for s, n in new_by_source.items() if n > 0]
    if not rows:
        return
    con.executemany(
        "INSERT INTO source_news (watch, source, run_id, seen_at, new_links) VALUES (?, ?, ?, ?, ?)",
        rows,
    )
    con.executemany(
        "UPDATE sources SET last_new_links_at = ? WHERE watch = ? AND source = ?",
        [[now, watch, r[1]] for r in rows],
    )


def load_histories(
    con: duckdb.DuckDBPyConnection, watch: str, sources: Sequence[str]
) -> list[SourceHistory]:
    """Each source's failures, announced state and recent runs with new links."""
    rows = con.execute(
        "SELECT source, consecutive_failures, coalesce(health, 'healthy'), last_error "
        "FROM sources WHERE watch = ? AND source IN (SELECT unnest(?::VARCHAR[]))",
        [watch, list(sources)],
    ).fetchall()
    news = con.execute(
        """
        SELECT source, seen_at FROM (
            SELECT source, seen_at,
                   row_number() OVER (PARTITION BY source ORDER BY seen_at DESC) AS n
            FROM source_news WHERE watch = ?
        ) WHERE n <= ? ORDER BY source, seen_at
        """,
        [watch, NEWS_HISTORY_RUNS],
    ).fetchall()
    times: dict[str, list[datetime]] = {}
    for source, seen_at in news:
        times.setdefault(source, []).append(seen_at)
    return [
        SourceHistory(
            source=r[0],
            consecutive_failures=int(r[1] or 0),
            announced=cast(SourceHealth, r[2]),
            news_times=tuple(times.get(r[0], ())),
            last_error=r[3],
        )
        for r in rows
    ]


def save_health(
    con: duckdb.DuckDBPyConnection, watch: str, verdicts: Sequence[HealthVerdict], now: datetime
) -> None:
    """Record the state now announced for sources whose state changed."""
    changed = [v for v in verdicts if v.changed]
    if not changed:
        return
    con.executemany(
        "UPDATE sources SET health = ?, health_changed_at = ? WHERE watch = ? AND source = ?",
        [[v.health, now, watch, v.source] for v in changed],
    )


def notices_for(
    verdicts: Sequence[HealthVerdict], watch: str, run_id: str, now: datetime
) -> list[OpsNotice]:
    """One notice per source whose state changed in this run."""
    return [
        OpsNotice(
            notice_id=stable_id("ops", watch, v.source, v.notice_state, run_id),
            watch=watch,
            source=v.source,
            state=v.notice_state,
            detail=v.detail,
            created_at=now,
        )
        for v in verdicts
        if v.changed
    ]


def queue_notices(
    con: duckdb.DuckDBPyConnection,
    notices: Sequence[OpsNotice],
    channels: Sequence[str],
    run_id: str,
) -> int:
    """Store the notices and queue one outbox row per notice and channel; returns rows queued."""
    queued = 0
    for n in notices:
        con.execute(
            "INSERT INTO ops_notices (notice_id, watch, source, state, detail, created_at, run_id) "
            "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            [n.notice_id, n.watch, n.source, n.state, n.detail, n.created_at, run_id],
        )
        for channel in channels:
            result = con.execute(
                "INSERT INTO alerts (alert_id, event_id, channel, kind, message_id, status, "
                "attempts, created_at, run_id) VALUES (?, ?, ?, 'ops', ?, 'pending', 0, ?, ?) "
                "ON CONFLICT DO NOTHING",
                [
                    stable_id(n.notice_id, "ops", channel),
                    n.notice_id,
                    channel,
                    n.notice_id,
                    n.created_at,
                    run_id,
                ],
            ).fetchone()
            queued += int(result[0]) if result else 0
    return queued


def load_notice(con: duckdb.DuckDBPyConnection, notice_id: str) -> OpsNotice:
    """The notice an `ops` outbox row carries (LookupError when it is gone)."""
    row = con.execute(
        "SELECT notice_id, watch, source, state, detail, created_at FROM ops_notices "
        "WHERE notice_id = ?",
        [notice_id],
    ).fetchone()
    if row is None:
        raise LookupError(f"ops notice {notice_id} is not in the database")
    return OpsNotice(row[0], row[1], row[2], row[3], row[4], row[5])


def notice_summaries(con: duckdb.DuckDBPyConnection, notice_ids: Sequence[str]) -> dict[str, str]:
    """notice_id → 'stale: <source>', for listings of the outbox."""
    ids = list(dict.fromkeys(notice_ids))
    if not ids:
        return {}
    rows = con.execute(
        "SELECT notice_id, state || ': ' || source FROM ops_notices "
        "WHERE notice_id IN (SELECT unnest(?::VARCHAR[]))",
        [ids],
    ).fetchall()
    return {r[0]: r[1] for r in rows}
