"""Ad hoc SQL for users: a read-only connection that cannot reach other files."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from storage.db import DatabaseBusyError, DatabaseError, _is_lock_error

# Read-only, and no file system or extension access: no ATTACH, COPY TO, INSTALL/LOAD,
# read_csv('/etc/passwd'); locked so a query cannot switch it back on.
_QUERY_CONFIG = {"enable_external_access": False, "lock_configuration": True}


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
            con = duckdb.connect(str(path), read_only=True, config=dict(_QUERY_CONFIG))
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


def run_query(
    con: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | None = None
) -> QueryResult:
    """Run one SQL statement and return its columns and rows."""
    cur = con.execute(sql, params or [])
    columns = [d[0] for d in cur.description] if cur.description else []
    rows = cur.fetchall() if cur.description else []
    return QueryResult(columns, rows)
