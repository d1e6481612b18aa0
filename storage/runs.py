"""The run log: one row per monitoring pass, kept by us (Prefect's is best-effort telemetry)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime

import duckdb

from newswatch.domain import RunCounts

_COUNT_COLUMNS = [name for name in RunCounts.__dataclass_fields__ if name != "failing_sources"]


def start_run(
    con: duckdb.DuckDBPyConnection,
    *,
    run_id: str,
    watch: str,
    started_at: datetime,
    alerts_enabled: bool,
    flow_run_id: str | None,
) -> None:
    """Record that a run started (status `running` until `finish_run`)."""
    con.execute(
        """
        INSERT INTO runs (run_id, watch, started_at, status, alerts_enabled, flow_run_id)
        VALUES (?, ?, ?, 'running', ?, ?)
        """,
        [run_id, watch, started_at, alerts_enabled, flow_run_id],
    )


def finish_run(
    con: duckdb.DuckDBPyConnection,
    *,
    run_id: str,
    finished_at: datetime,
    status: str,
    counts: RunCounts,
    error: str | None = None,
) -> None:
    """Record a run's end: status, counts and the failing sources."""
    values = asdict(counts)
    assignments = ", ".join(f"{col} = ?" for col in _COUNT_COLUMNS)
    con.execute(
        f"UPDATE runs SET finished_at = ?, status = ?, error = ?, failing_sources = ?, "
        f"{assignments} WHERE run_id = ?",
        [finished_at, status, error, values["failing_sources"]]
        + [values[c] for c in _COUNT_COLUMNS]
        + [run_id],
    )


def has_completed_run(con: duckdb.DuckDBPyConnection, watch: str, *, before_run: str) -> bool:
    """True when this watch finished a run before: it is not its first run."""
    row = con.execute(
        "SELECT count(*) FROM runs WHERE watch = ? AND status = 'completed' AND run_id <> ?",
        [watch, before_run],
    ).fetchone()
    return bool(row and row[0])


def mark_abandoned_runs(con: duckdb.DuckDBPyConnection, watch: str, now: datetime) -> int:
    """Runs left `running` by a killed process become `abandoned`; returns how many."""
    rows = con.execute(
        """
        UPDATE runs SET status = 'abandoned', finished_at = ?
        WHERE watch = ? AND status = 'running'
        RETURNING run_id
        """,
        [now, watch],
    ).fetchall()
    return len(rows)
