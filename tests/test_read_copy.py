"""The read copy: readers open a published snapshot, so they never keep a run out.

Real DuckDB files throughout; readers are separate processes, as pandas, the duckdb CLI
or a notebook would be.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from newswatch.storage.db import ensure_schema, write_session
from newswatch.storage.read_copy import (
    ReadCopyError,
    publish_read_copy,
    read_copy_for,
    read_copy_path,
)

# A reader in another process: opens the file read-only, says how many runs it sees,
# and keeps the connection open until its stdin closes.
_READER = """
import sys, duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
print(con.execute("SELECT count(*) FROM runs").fetchone()[0], flush=True)
sys.stdin.read()
print(con.execute("SELECT count(*) FROM runs").fetchone()[0], flush=True)
"""


@contextmanager
def reader_holding(path: Path) -> Iterator[subprocess.Popen[str]]:
    """A separate process holding a read-only connection on `path` for the `with` block."""
    proc = subprocess.Popen(
        [sys.executable, "-c", _READER, str(path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    proc.first_count = int(proc.stdout.readline())  # type: ignore[attr-defined]
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.stdin.close()  # type: ignore[union-attr]
            proc.wait(timeout=30)


def runs_seen_by_a_new_process(path: Path) -> int:
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, duckdb; print(duckdb.connect(sys.argv[1], read_only=True)"
            ".execute('SELECT count(*) FROM runs').fetchone()[0])",
            str(path),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    return int(out.stdout)


def add_run(db: Path, run_id: str) -> None:
    with write_session(db) as con:
        con.execute(
            "INSERT INTO runs (run_id, watch, started_at, status) VALUES (?, 'w', ?, 'completed')",
            [run_id, datetime.now(UTC)],
        )


@pytest.mark.parametrize(
    ("db", "copy"),
    [
        ("news.duckdb", "news.read.duckdb"),
        ("data/archive.db", "data/archive.db.read.duckdb"),
        ("plain", "plain.read.duckdb"),
    ],
)
def test_the_read_copy_lives_beside_the_database(db: str, copy: str) -> None:
    assert read_copy_path(db) == Path(copy)


def test_readers_open_the_database_until_a_copy_is_published(tmp_path: Path) -> None:
    db = tmp_path / "news.duckdb"
    ensure_schema(db)
    assert read_copy_for(db) == db
    assert publish_read_copy(db) == tmp_path / "news.read.duckdb"
    assert read_copy_for(db) == tmp_path / "news.read.duckdb"


def test_nothing_to_publish_without_a_database(tmp_path: Path) -> None:
    assert publish_read_copy(tmp_path / "none.duckdb") is None
    assert list(tmp_path.iterdir()) == []


def test_a_reader_of_the_copy_never_blocks_the_writer_and_new_readers_see_new_rows(
    tmp_path: Path,
) -> None:
    db = tmp_path / "news.duckdb"
    ensure_schema(db)
    add_run(db, "r1")
    copy = publish_read_copy(db)
    assert copy is not None
    with reader_holding(copy) as reader:
        assert reader.first_count == 1  # type: ignore[attr-defined]
        add_run(db, "r2")  # the writer gets in at once: wait_seconds would raise otherwise
        with write_session(db, wait_seconds=0.5) as con:
            con.execute("SELECT 1")
        assert publish_read_copy(db, wait_seconds=0.5) == copy
        assert runs_seen_by_a_new_process(copy) == 2
        reader.stdin.close()  # type: ignore[union-attr]
        # The open reader kept its snapshot (the old file) to the end.
        assert int(reader.stdout.readline()) == 1  # type: ignore[union-attr]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["news.duckdb", "news.read.duckdb"]


def test_a_reader_of_the_database_itself_costs_a_clear_error_and_keeps_the_old_copy(
    tmp_path: Path,
) -> None:
    db = tmp_path / "news.duckdb"
    ensure_schema(db)
    add_run(db, "r1")
    copy = publish_read_copy(db)
    assert copy is not None
    before = copy.read_bytes()
    with reader_holding(db), pytest.raises(ReadCopyError, match=r"busy.*read copy"):
        publish_read_copy(db, wait_seconds=0.5)
    assert copy.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["news.duckdb", "news.read.duckdb"]


def test_the_copy_holds_what_was_in_the_write_ahead_log(tmp_path: Path) -> None:
    db = tmp_path / "news.duckdb"
    ensure_schema(db)
    con = duckdb.connect(str(db))
    con.execute("SET checkpoint_threshold = '1GB'")  # keep the insert in the WAL
    con.execute(
        "INSERT INTO runs (run_id, watch, started_at, status) VALUES ('w1', 'w', now(), 'x')"
    )
    con.close()
    copy = publish_read_copy(db)
    assert copy is not None
    assert runs_seen_by_a_new_process(copy) == 1
    assert not Path(f"{copy}.wal").exists()


def newswatch(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "newswatch", *args], capture_output=True, text=True, timeout=60
    )


def test_query_reads_the_copy_and_keeps_its_sandbox(tmp_path: Path) -> None:
    db = tmp_path / "news.duckdb"
    ensure_schema(db)
    add_run(db, "published")
    publish_read_copy(db)
    add_run(db, "not-yet-published")
    result = newswatch("query", "SELECT run_id FROM runs", "--db", str(db), "--format", "csv")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["run_id", "published"]
    refused = newswatch("query", f"COPY runs TO '{tmp_path / 'out.csv'}'", "--db", str(db))
    assert refused.returncode == 1
    assert refused.stderr.startswith("newswatch: error: ") and refused.stderr.count("\n") == 1
    assert not (tmp_path / "out.csv").exists()


def test_alerts_retry_writes_the_database_and_refreshes_the_copy(tmp_path: Path) -> None:
    db = tmp_path / "news.duckdb"
    ensure_schema(db)
    with write_session(db) as con:
        con.execute(
            "INSERT INTO alerts (alert_id, event_id, channel, kind, status, attempts, created_at, "
            "message_id) VALUES ('a1', 'e1', 'slack', 'new', 'failed', 5, now(), 'm1')"
        )
    publish_read_copy(db)
    before = newswatch("alerts", "--db", str(db), "--format", "csv")
    assert [line.split(",")[5] for line in before.stdout.splitlines()] == ["status", "failed"]
    retried = newswatch("alerts", "retry", "--db", str(db))
    assert retried.returncode == 0, retried.stderr
    after = newswatch("alerts", "--db", str(db), "--format", "csv")
    assert [line.split(",")[5] for line in after.stdout.splitlines()] == ["status", "pending"]
