"""`newswatch alerts`: the outbox as a table, and re-queueing failed alerts."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.table import Table

from newswatch.output import format_rows
from newswatch.storage.db import read_session, write_session
from newswatch.storage.events import event_summaries
from newswatch.storage.health import notice_summaries
from newswatch.storage.outbox import OutboxAlert, list_alerts, reset_failed

_STATUS_STYLE = {"sent": "green", "pending": "yellow", "failed": "red"}


OUTBOX_COLUMNS = (
    "message_id", "created_at", "channel", "kind", "event_status", "status",
    "attempts", "sent_at", "event_id", "event", "error",
)  # fmt: skip


def _outbox_row(r: OutboxAlert, event: str | None) -> tuple[object, ...]:
    return (
        r.message_id, r.created_at, r.channel, r.kind, r.event_status, r.status,
        r.attempts, r.sent_at, r.event_id, event, r.error,
    )  # fmt: skip


def list_outbox(
    db_path: str | Path,
    *,
    status: str | None = None,
    fmt: str = "table",
    console: Console | None = None,
) -> int:
    """Print the outbox (newest first) as a table, CSV or JSON; returns the exit code."""
    with read_session(db_path) as con:
        rows = list_alerts(con, status=status)
        summaries = event_summaries(con, [r.event_id for r in rows if r.kind != "ops"])
        summaries.update(notice_summaries(con, [r.event_id for r in rows if r.kind == "ops"]))
    if fmt != "table":
        out = [_outbox_row(r, summaries.get(r.event_id)) for r in rows]
        print(format_rows(OUTBOX_COLUMNS, out, fmt))
        return 0
    table = Table(title=f"{len(rows)} alert(s)", title_justify="left")
    for col in ("created", "channel", "kind", "status", "tries", "event", "id", "error"):
        table.add_column(col, overflow="fold")
    for r in rows:
        table.add_row(
            f"{r.created_at:%Y-%m-%d %H:%M}",
            r.channel,
            r.kind + (f" → {r.event_status}" if r.kind == "update" and r.event_status else ""),
            f"[{_STATUS_STYLE.get(r.status, 'white')}]{r.status}[/]",
            str(r.attempts),
            summaries.get(r.event_id, r.event_id),
            r.message_id,
            r.error or "",
        )
    (console or Console(width=160)).print(table)
    return 0


def retry_failed(db_path: str | Path, console: Console | None = None) -> int:
    """Make failed alerts pending again; the next run sends them. Returns the exit code."""
    with write_session(db_path) as con:
        count = reset_failed(con)
    (console or Console()).print(
        f"{count} failed alert(s) queued again; the next run delivers them."
    )
    return 0
