"""DuckDB connections: short write sessions, read-only sessions, migrations.

DuckDB allows one writing process per file, so a writer holds its connection only for
the few statements of one transaction and retries briefly while another process holds
the lock. `newswatch query` between runs therefore always gets in.
"""

from __future__ import annotations

import logging
import os
import random
import re
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

import duckdb

log = logging.getLogger(__name__)

# How long a writer waits for another process's lock before giving up. Chosen so that a
# second `newswatch run` waits out a typical write transaction (well under a second here)
# yet never hangs a cron slot.
LOCK_WAIT_SECONDS = float(os.environ.get("NEWSWATCH_DB_LOCK_WAIT", "30"))

# A run that stores chunk after chunk keeps its write connection at most this long
# before letting go at its next wait for work: often enough that `newswatch query`
# (which retries for 5 s) gets in during a long backfill, rarely enough that re-opening
# and checkpointing the file stays a small part of the run (bench/bench_throughput.py).
WRITER_HOLD_SECONDS = 2.0

_LOCK_MARKERS = ("could not set lock", "conflicting lock", "database is locked")
_MIGRATION_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")


class DatabaseBusyError(RuntimeError):
    """Another process holds the database's write lock for longer than we wait."""


class DatabaseError(RuntimeError):
    """The database file cannot be opened or is not a newswatch database."""


def _is_lock_error(exc: BaseException) -> bool:
    text = str(exc).lower()
    return any(marker in text for marker in _LOCK_MARKERS)


def _open(path: str | Path, *, read_only: bool, wait_seconds: float) -> duckdb.DuckDBPyConnection:
    deadline = time.monotonic() + wait_seconds
    delay = 0.05
    while True:
        try:
            return duckdb.connect(str(path), read_only=read_only)
        except duckdb.Error as exc:
            if not _is_lock_error(exc):
                raise DatabaseError(f"{path}: cannot open database: {exc}") from None
            if time.monotonic() >= deadline:
                raise DatabaseBusyError(
                    f"{path}: the database is busy: another process holds it (a newswatch "
                    "run, or a program reading this file itself; readers should open the "
                    f"read copy, *.read.duckdb); waited {wait_seconds:.0f}s"
                ) from None
            time.sleep(delay + random.uniform(0, delay))
            delay = min(delay * 2, 1.0)


@contextmanager
def write_session(
    path: str | Path, *, wait_seconds: float = LOCK_WAIT_SECONDS
) -> Iterator[duckdb.DuckDBPyConnection]:
    """One short transaction on the database file: commit on success, roll back on error."""
    con = _open(path, read_only=False, wait_seconds=wait_seconds)
    try:
        con.execute("BEGIN TRANSACTION")
        try:
            yield con
        except BaseException:
            con.execute("ROLLBACK")
            raise
        con.execute("COMMIT")
    finally:
        con.close()


class HeldWriter:
    """One write connection kept across a run's consecutive batch transactions.

    Opening a DuckDB file and checkpointing it on close cost tens to hundreds of
    milliseconds each, more than a whole batch's statements; a run storing chunk after
    chunk keeps its connection instead. It lets go when the run waits for work after
    holding it for WRITER_HOLD_SECONDS (`release`), so `newswatch query` gets in then,
    and at the end of the block.
    """

    def __init__(self, path: str | Path, *, wait_seconds: float = LOCK_WAIT_SECONDS) -> None:
        self._path = path
        self._wait_seconds = wait_seconds
        self._con: duckdb.DuckDBPyConnection | None = None
        self._opened_at = 0.0

    @contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """One transaction: commit on success; on error roll back and let the file go."""
        if self._con is None:
            self._con = _open(self._path, read_only=False, wait_seconds=self._wait_seconds)
            self._opened_at = time.monotonic()
        con = self._con
        con.execute("BEGIN TRANSACTION")
        try:
            yield con
        except BaseException:
            try:
                con.execute("ROLLBACK")
            finally:
                self.release()
            raise
        con.execute("COMMIT")

    def release(self, *, held_for: float = 0.0) -> None:
        """Close the connection (checkpointing), so other processes can open the file.

        `held_for`: only if it has been open at least that many seconds.
        """
        if self._con is not None and time.monotonic() - self._opened_at >= held_for:
            con, self._con = self._con, None
            con.close()

    def __enter__(self) -> HeldWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


@contextmanager
def read_session(
    path: str | Path, *, wait_seconds: float = 5.0
) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection; waits briefly if a writer holds the file."""
    if not Path(path).exists():
        raise DatabaseError(
            f"{path}: no such database (run `newswatch run` or `newswatch demo` first)"
        )
    con = _open(path, read_only=True, wait_seconds=wait_seconds)
    try:
        yield con
    finally:
        con.close()


def _migrations() -> list[tuple[int, str, str]]:
    """(version, name, sql) in order: schema.sql is version 1, then migrations/NNNN_*.sql."""
    pkg = resources.files("newswatch.storage")
    found = [(1, "schema", (pkg / "schema.sql").read_text(encoding="utf-8"))]
    mig_dir = pkg / "migrations"
    # The folder may hold no .sql yet, and a wheel ships only .sql files from it.
    entries = sorted(mig_dir.iterdir(), key=lambda e: e.name) if mig_dir.is_dir() else []
    for entry in entries:
        m = _MIGRATION_NAME.match(entry.name)
        if m:
            found.append((int(m.group(1)), m.group(2), entry.read_text(encoding="utf-8")))
    versions = [v for v, _, _ in found]
    if len(set(versions)) != len(versions) or versions != sorted(versions):
        raise DatabaseError(f"migrations are not numbered uniquely in order: {versions}")
    return found


def schema_version(con: duckdb.DuckDBPyConnection) -> int:
    """The highest migration applied to this database (0 for an empty one)."""
    exists = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'schema_migrations'"
    ).fetchone()
    if not exists or not exists[0]:
        return 0
    row = con.execute("SELECT coalesce(max(version), 0) FROM schema_migrations").fetchone()
    return int(row[0]) if row else 0


def ensure_schema(path: str | Path) -> int:
    """Create or upgrade the database at `path`; returns the schema version now in force.

    A fresh database gets schema.sql, which already holds every migration, and all
    versions are recorded; an older database gets the migrations it lacks, in order.
    """
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    steps = _migrations()
    with write_session(path) as con:
        current = schema_version(con)
        now = datetime.now(UTC)
        pending: list[tuple[int, str, str | None]]
        if current == 0:
            con.execute(steps[0][2])
            pending = [(v, n, None) for v, n, _ in steps]
        else:
            pending = [(v, n, sql) for v, n, sql in steps if v > current]
        for version, name, sql in pending:
            if sql is not None:
                con.execute(sql)
                log.info("applied migration %04d_%s", version, name)
            con.execute(
                "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                [version, name, now],
            )
        latest = steps[-1][0]
        # Views are derived, so they are simply re-created on every start.
        views = resources.files("newswatch.storage") / "views.sql"
        if views.is_file():
            con.execute(views.read_text(encoding="utf-8"))
    return latest


def in_list(values: Iterable[object]) -> str:
    """The values as SQL literals for `col IN (...)`.

    DuckDB turns `col IN (constants)` into ART index look-ups, so a batch costs the same
    on a million stored articles as on a thousand; a parameter list or a join with an
    unnested parameter runs as a full scan instead (measured on DuckDB 2.0). Integers go
    through int(), strings are quoted with doubled quotes, so no value can end the literal.
    """
    out = []
    for value in dict.fromkeys(values):
        if isinstance(value, int):
            out.append(str(int(value)))
        else:
            out.append("'" + str(value).replace("'", "''") + "'")
    return ", ".join(out) if out else "NULL"
