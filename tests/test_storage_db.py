"""The database file: schema and migrations, short write sessions, read-only queries, locks."""

from __future__ import annotations

import multiprocessing
import time
from pathlib import Path

import duckdb
import pytest

import newswatch.storage
from newswatch.storage.db import DatabaseBusyError, ensure_schema, schema_version, write_session
from newswatch.storage.locks import RunInProgressError, watch_run_lock
from newswatch.storage.query import query_session, run_query

CONTRACT = {
    "articles": {
        "article_id",
        "url",
        "canonical_url",
        "source",
        "title",
        "published_at",
        "fetched_at",
        "language",
        "text",
        "relevant",
        "duplicate_of",
    },
    "events": {
        "event_id",
        "event_type",
        "participants",
        "event_date",
        "date_earliest",
        "date_latest",
        "status",
        "location",
        "summary",
        "first_seen_at",
        "updated_at",
    },
    "event_mentions": {"event_id", "article_id", "evidence"},
    "alerts": {
        "alert_id",
        "event_id",
        "channel",
        "kind",
        "status",
        "attempts",
        "created_at",
        "sent_at",
        "error",
    },
    "runs": {"run_id", "started_at", "finished_at", "status"},
}


def test_fresh_database_has_every_contract_column(tmp_path: Path) -> None:
    db = tmp_path / "n.duckdb"
    ensure_schema(db)
    con = duckdb.connect(str(db), read_only=True)
    for table, columns in CONTRACT.items():
        found = {
            r[0]
            for r in con.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = ?", [table]
            ).fetchall()
        }
        assert columns <= found, (table, columns - found)


def test_migrations_are_recorded_and_applied_once(tmp_path: Path) -> None:
    db = tmp_path / "n.duckdb"
    first = ensure_schema(db)
    second = ensure_schema(db)
    # schema.sql is version 1; each migrations/NNNN_*.sql adds one.
    migrations = Path(newswatch.storage.__file__).parent / "migrations"
    assert first == second == 1 + len(list(migrations.glob("*.sql")))
    with write_session(db) as con:
        assert schema_version(con) == first
        assert con.execute("SELECT count(*) FROM schema_migrations").fetchone() == (first,)


def test_failed_write_session_rolls_back(tmp_path: Path) -> None:
    db = tmp_path / "n.duckdb"
    ensure_schema(db)
    with pytest.raises(RuntimeError), write_session(db) as con:
        con.execute(
            "INSERT INTO runs (run_id, watch, started_at, status) VALUES ('r', 'w', now(), 'running')"
        )
        raise RuntimeError("boom")
    with write_session(db) as con:
        assert con.execute("SELECT count(*) FROM runs").fetchone() == (0,)


def _hold_write_lock(
    db: str,
    seconds: float,
    ready: multiprocessing.synchronize.Event,  # type: ignore[name-defined]
    release: multiprocessing.synchronize.Event | None = None,  # type: ignore[name-defined]
) -> None:
    """Hold the database file for `seconds`, or until `release` is set if that comes first."""
    con = duckdb.connect(db)
    ready.set()
    if release is None:
        time.sleep(seconds)
    else:
        release.wait(seconds)
    con.close()


def test_writer_waits_for_another_process_then_gets_in(tmp_path: Path) -> None:
    db = str(tmp_path / "n.duckdb")
    ensure_schema(db)
    ready = multiprocessing.get_context("spawn").Event()
    proc = multiprocessing.get_context("spawn").Process(
        target=_hold_write_lock, args=(db, 1.0, ready)
    )
    proc.start()
    ready.wait(30)
    start = time.monotonic()
    with write_session(db, wait_seconds=20) as con:
        con.execute("SELECT 1")
    assert time.monotonic() - start > 0.3
    proc.join()


def test_writer_gives_up_with_a_clear_message_when_busy_too_long(tmp_path: Path) -> None:
    db = str(tmp_path / "n.duckdb")
    ensure_schema(db)
    spawn = multiprocessing.get_context("spawn")
    ready, release = spawn.Event(), spawn.Event()
    proc = spawn.Process(target=_hold_write_lock, args=(db, 30.0, ready, release))
    proc.start()
    ready.wait(30)
    start = time.monotonic()
    with pytest.raises(DatabaseBusyError, match="busy"), write_session(db, wait_seconds=0.5):
        pass
    assert time.monotonic() - start < 10  # gave up, long before the holder let go
    release.set()  # the holder need not sit out its time once the point is made
    proc.join()


@pytest.mark.parametrize(
    "sql",
    [
        "INSERT INTO runs (run_id, watch, started_at, status) VALUES ('x', 'w', now(), 'x')",
        "DROP TABLE events",
        "ATTACH 'other.duckdb' AS other",
        "COPY events TO 'stolen.csv'",
        "INSTALL httpfs",
        "SELECT * FROM read_csv('/etc/passwd')",
        "SET enable_external_access = true",
    ],
)
def test_query_session_refuses_writes_and_file_access(tmp_path: Path, sql: str) -> None:
    db = tmp_path / "n.duckdb"
    ensure_schema(db)
    with query_session(db) as con, pytest.raises(duckdb.Error):
        run_query(con, sql)


def test_query_session_reads(tmp_path: Path) -> None:
    db = tmp_path / "n.duckdb"
    ensure_schema(db)
    with query_session(db) as con:
        result = run_query(con, "SELECT count(*) AS n FROM events")
    assert result.columns == ["n"] and result.rows == [(0,)]


def test_second_run_of_a_watch_waits_then_gives_up(tmp_path: Path) -> None:
    db = tmp_path / "n.duckdb"
    with (
        watch_run_lock(db, "w"),
        pytest.raises(RunInProgressError, match="in progress"),
        watch_run_lock(db, "w", wait_seconds=0.3),
    ):
        pass


def test_runs_of_different_watches_do_not_block_each_other(tmp_path: Path) -> None:
    db = tmp_path / "n.duckdb"
    held: list[str] = []
    with watch_run_lock(db, "a", wait_seconds=0):
        held.append("a")
        with watch_run_lock(db, "b", wait_seconds=0):
            held.append("b")
            # Both locks are really held: a second run of either watch is turned away.
            for watch in ("a", "b"):
                with (
                    pytest.raises(RunInProgressError, match=f"watch '{watch}'"),
                    watch_run_lock(db, watch, wait_seconds=0),
                ):
                    held.append(f"second {watch}")
    assert held == ["a", "b"]


def test_a_database_of_the_first_schema_is_migrated_to_what_a_fresh_one_has(
    tmp_path: Path,
) -> None:
    # tests/fixtures/schema/v1.sql is the schema of the first release (version 1).
    old = tmp_path / "v1.duckdb"
    con = duckdb.connect(str(old))
    con.execute((Path(__file__).parent / "fixtures" / "schema" / "v1.sql").read_text())
    con.execute(
        "INSERT INTO schema_migrations (version, name, applied_at) VALUES (1, 'schema', now())"
    )
    con.close()
    fresh = tmp_path / "fresh.duckdb"
    assert ensure_schema(old) == ensure_schema(fresh)

    def columns(path: Path) -> set[tuple[str, str, str]]:
        c = duckdb.connect(str(path), read_only=True)
        try:
            rows = c.execute(
                "SELECT table_name, column_name, data_type FROM information_schema.columns "
                "WHERE table_schema = 'main'"
            ).fetchall()
        finally:
            c.close()
        return {(t, n, d) for t, n, d in rows}

    assert columns(old) == columns(fresh)
