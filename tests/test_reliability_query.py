"""`newswatch query` is a read-only sandbox: nothing it runs writes the database, touches
another file, loads code or changes the session's locks.

Adds to tests/test_storage_db.py and tests/test_cli.py (writes, ATTACH, COPY TO, INSTALL,
read_csv, SET enable_external_access): configuration statements that would write files
(profiling, query logs, logging), EXPORT/IMPORT DATABASE, LOAD, persistent macros, views,
secrets, multi-statement smuggling, and statements that succeed without leaving a trace.
"""

from __future__ import annotations

import contextlib
import hashlib
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from newswatch.storage.db import ensure_schema, write_session
from newswatch.storage.query import query_session, run_query

REFUSED = [
    "PRAGMA enable_profiling = 'json'",
    "SET profiling_output = '{dir}/profile.json'",
    "SET log_query_path = '{dir}/queries.log'",
    "CALL enable_logging(storage = 'file', storage_path = '{dir}/logs')",
    "SET temp_directory = '{dir}/spill'",
    "SET secret_directory = '{dir}/secrets'",
    "SET extension_directory = '{dir}/extensions'",
    "SET allow_unsigned_extensions = true",
    "SET lock_configuration = false",
    "RESET enable_external_access",
    "SET threads = 1",
    "EXPORT DATABASE '{dir}/export'",
    "IMPORT DATABASE '{dir}'",
    "LOAD httpfs",
    "LOAD '{dir}/evil.duckdb_extension'",
    "CREATE MACRO leak(x) AS x",
    "CREATE VIEW leak AS SELECT 1",
    "DROP VIEW contacts",
    "CREATE SECRET leak (TYPE s3, KEY_ID 'a', SECRET 'b')",
    "CREATE PERSISTENT SECRET leak (TYPE s3, KEY_ID 'a', SECRET 'b')",
    "ATTACH ':memory:' AS scratch",
    "SELECT * FROM read_text('/etc/passwd')",
    "SELECT * FROM read_blob('/etc/hostname')",
    "SELECT * FROM glob('/*')",
    "SELECT * FROM sniff_csv('/etc/hostname')",
    "COPY (SELECT * FROM runs) TO '{dir}/runs.parquet' (FORMAT parquet)",
    "SELECT 1; DELETE FROM runs",
    "SELECT 1; CREATE TABLE leak AS SELECT 1",
]
# DuckDB lets even a locked-down read-only connection write the database's own side files
# (`<db>.wal`, `<db>.wal.recovery`, the `<db>.tmp/` folder): its automatic allow-list.
SIDE_FILE_WRITES = [
    "COPY (SELECT 'junk' AS x) TO '{db}.wal' (HEADER false, USE_TMP_FILE false)",
    "COPY (SELECT 1 AS x) TO '{db}.wal.recovery'",
    "EXPORT DATABASE '{db}.tmp/'",
]
# Accepted, because they are harmless: each must leave the file and the folder unchanged.
HARMLESS = [
    "CHECKPOINT",
    "FORCE CHECKPOINT",
    "VACUUM",
    "ANALYZE",
    "CREATE TEMP MACRO twice(x) AS 2 * x",
    "CREATE TEMP TABLE scratch AS SELECT * FROM runs",
    "CREATE OR REPLACE TEMP VIEW runs AS SELECT 'hijacked' AS run_id",
    "SET search_path = 'temp'",
]


def _fingerprint(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    folder = tmp_path_factory.mktemp("sandbox")
    db = folder / "n.duckdb"
    ensure_schema(db)
    with write_session(db) as con:
        con.execute(
            "INSERT INTO runs (run_id, watch, started_at, status) VALUES ('r1', 'w', ?, 'completed')",
            [datetime.now(UTC)],
        )
    yield db


@pytest.mark.parametrize("template", REFUSED)
def test_a_statement_that_would_write_load_or_reach_out_is_refused_and_leaves_no_trace(
    database: Path, template: str
) -> None:
    folder = database.parent
    before = _fingerprint(folder)
    sql = template.format(dir=folder, db=database)
    with query_session(database) as con, pytest.raises(duckdb.Error):
        run_query(con, sql)
    assert _fingerprint(folder) == before


@pytest.mark.parametrize("template", SIDE_FILE_WRITES)
def test_a_query_cannot_write_the_databases_own_side_files(tmp_path: Path, template: str) -> None:
    db = tmp_path / "n.duckdb"
    ensure_schema(db)
    before = _fingerprint(tmp_path)
    with query_session(db) as con, pytest.raises(duckdb.Error):
        run_query(con, template.format(db=db))
    assert _fingerprint(tmp_path) == before


def test_a_query_cannot_destroy_work_a_crashed_run_left_in_the_write_ahead_log(
    tmp_path: Path,
) -> None:
    # After a killed run, committed transactions can sit in the WAL until the next writer
    # opens the file. A query that overwrites the WAL would silently drop them.
    db = tmp_path / "n.duckdb"
    ensure_schema(db)
    con = duckdb.connect(str(db))
    con.execute("PRAGMA disable_checkpoint_on_shutdown")
    con.execute(
        "INSERT INTO runs (run_id, watch, started_at, status) VALUES ('kept', 'w', now(), 'completed')"
    )
    con.close()
    assert Path(f"{db}.wal").stat().st_size > 0
    with query_session(db) as q, contextlib.suppress(duckdb.Error):
        run_query(q, f"COPY (SELECT 'junk' AS x) TO '{db}.wal' (HEADER false, USE_TMP_FILE false)")
    con = duckdb.connect(str(db))
    try:
        assert con.execute("SELECT run_id FROM runs").fetchall() == [("kept",)]
    finally:
        con.close()


@pytest.mark.parametrize("sql", HARMLESS)
def test_an_accepted_statement_changes_neither_the_file_nor_the_next_session(
    database: Path, sql: str
) -> None:
    folder = database.parent
    before = _fingerprint(folder)
    with query_session(database) as con:
        run_query(con, sql)
    assert _fingerprint(folder) == before
    with query_session(database) as con:
        assert run_query(con, "SELECT run_id FROM runs").rows == [("r1",)]
        macros = run_query(
            con, "SELECT count(*) FROM duckdb_functions() WHERE function_name = 'twice'"
        )
        assert macros.rows == [(0,)]


def test_the_sandbox_settings_cannot_be_read_back_as_switched_off(database: Path) -> None:
    with query_session(database) as con:
        rows = run_query(
            con,
            "SELECT name, value FROM duckdb_settings() "
            "WHERE name IN ('enable_external_access', 'lock_configuration') ORDER BY name",
        ).rows
    assert rows == [("enable_external_access", "false"), ("lock_configuration", "true")]


@pytest.mark.parametrize(
    "sql",
    [
        "EXPORT DATABASE 'stolen'",
        "LOAD httpfs",
        "CREATE MACRO leak(x) AS x",
        "PRAGMA enable_profiling",
    ],
)
def test_the_command_refuses_with_one_line_and_no_traceback(
    database: Path, tmp_path: Path, sql: str
) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "newswatch", "query", sql, "--db", str(database)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
    )
    assert result.returncode == 1
    assert result.stderr.startswith("newswatch: error: ") and result.stderr.count("\n") == 1
    assert list(tmp_path.iterdir()) == []
