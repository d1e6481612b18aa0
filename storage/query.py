"""Ad hoc SQL for users: a read-only connection that cannot reach other files."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from newswatch.storage.db import DatabaseBusyError, DatabaseError, _is_lock_error

# Read-only, and no file system or extension access: no ATTACH, COPY TO, INSTALL/LOAD,
# read_csv('/etc/passwd').
_QUERY_CONFIG = {"enable_external_access": False}
# DuckDB still allow-lists the database's own side files (`<db>.wal`, `<db>.tmp/`) for
# writing, so a COPY ... TO '<db>.wal' could wipe what a killed run left in the WAL.
# The open database needs no file-system calls, so the local file system goes too;
# then the configuration is locked so a query cannot switch any of this back on.
_SANDBOX_STATEMENTS = (
    "SET disabled_filesystems = 'LocalFileSystem'",
    "SET lock_configuration = true",
)


# Sessions opened at once in one process share a database instance: one locks it down
# while the other sees it half done. Opening is serialised; querying is not.
_OPENING = threading.Lock()


@dataclass(frozen=True)
class QueryResult:
    """Column names and rows of one query."""

    columns: list[str]
    rows: list[tuple[Any, ...]]


@contextmanager
def query_session(
    path: str | Path, *, wait_seconds: float = 5.0
) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only, sandboxed connection; waits briefly while a run is writing."""
    if not Path(path).exists():
        raise DatabaseError(
            f"{path}: no such database (run `newswatch run` or `newswatch demo` first)"
        )
    deadline = time.monotonic() + wait_seconds
    while True:
        try:
            with _OPENING:
                con = duckdb.connect(str(path), read_only=True, config=dict(_QUERY_CONFIG))
                _lock_down(con)
            break
        except duckdb.Error as exc:
            if not _is_lock_error(exc):
                raise DatabaseError(f"{path}: cannot open database: {exc}") from None
            if time.monotonic() >= deadline:
                raise DatabaseBusyError(
                    f"{path}: the database is busy (a newswatch run is writing); try again in a moment"
                ) from None
            time.sleep(0.1)
    try:
        yield con
    finally:
        con.close()


def _lock_down(con: duckdb.DuckDBPyConnection) -> None:
    # Connections to one file in one process share a database instance, and with it the
    # settings: a second session finds them already set and locked (by an earlier one:
    # DuckDB refuses to share an instance opened with another configuration, and
    # `disabled_filesystems` does not read back, so the lock is what can be checked).
    locked = con.execute("SELECT current_setting('lock_configuration')").fetchone()
    if locked and locked[0]:
        return
    for statement in _SANDBOX_STATEMENTS:
        con.execute(statement)


def run_query(
    con: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | None = None
) -> QueryResult:
    """Run one SQL statement and return its columns and rows."""
    cur = con.execute(sql, params or [])
    columns = [d[0] for d in cur.description] if cur.description else []
    rows = cur.fetchall() if cur.description else []
    return QueryResult(columns, rows)
