"""The command line: help texts, bad watch files, read-only query output."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from newswatch.cli import build_parser, format_rows
from newswatch.storage.db import ensure_schema, write_session

REPO = Path(__file__).resolve().parents[1]


def newswatch(
    *args: str, stdin: str | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "newswatch", *args],
        capture_output=True,
        text=True,
        input=stdin,
        timeout=timeout,
        cwd=REPO,
    )


@pytest.mark.parametrize(
    "command", ["run", "serve", "demo", "query", "events", "alerts", "eval", "report"]
)
def test_every_command_explains_itself_in_help(command: str) -> None:
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    help_text = sub.choices[command].format_help()  # type: ignore[union-attr]
    assert len(help_text.splitlines()) > 3
    assert sub.choices[command].description  # type: ignore[union-attr]


def test_contract_options_exist() -> None:
    parser = build_parser()
    args = parser.parse_args(["run", "--watch", "w.toml", "--db", "d.duckdb", "--no-alerts"])
    assert (args.watch, args.db, args.no_alerts) == ("w.toml", "d.duckdb", True)
    args = parser.parse_args(["query", "SELECT 1", "--db", "d.duckdb", "--format", "json"])
    assert (args.sql, args.format) == ("SELECT 1", "json")
    args = parser.parse_args(["events", "--db", "d.duckdb", "--since", "2025-01-01"])
    assert args.since == "2025-01-01"


@pytest.mark.parametrize(
    ("watch_text", "expected"),
    [
        ("name = [", "not valid TOML"),
        (
            'name = "w"\n[[sources]]\nkind = "ftp"\nurl = "x"\n[actors.a]\nnames=["A"]\n[actors.b]\nnames=["B"]\n'
            '[events]\npair=["a","b"]\n',
            "sources[0].kind",
        ),
        (
            'name = "w"\n[[sources]]\nkind = "rss"\nurl = "http://x/f.xml"\n[events]\npair=["a","b"]\n',
            "actors: required field is missing",
        ),
    ],
    ids=["bad-toml", "unknown-source-kind", "missing-actors"],
)
def test_bad_watch_file_exits_2_with_one_line_and_touches_no_database(
    tmp_path: Path, watch_text: str, expected: str
) -> None:
    watch = tmp_path / "bad.toml"
    watch.write_text(watch_text)
    db = tmp_path / "never.duckdb"
    result = newswatch("run", "--watch", str(watch), "--db", str(db))
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert expected in lines[0] and str(watch) in lines[0]
    assert not db.exists()


def test_query_prints_json_rows(tmp_path: Path) -> None:
    db = tmp_path / "n.duckdb"
    ensure_schema(db)
    result = newswatch(
        "query", "SELECT count(*) AS n FROM events", "--db", str(db), "--format", "json"
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == [{"n": 0}]


def test_query_reads_sql_from_stdin_and_prints_csv(tmp_path: Path) -> None:
    db = tmp_path / "n.duckdb"
    ensure_schema(db)
    result = newswatch("query", "--db", str(db), "--format", "csv", stdin="SELECT 1 AS a, 'x' AS b")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["a,b", "1,x"]


def test_query_refuses_to_write(tmp_path: Path) -> None:
    db = tmp_path / "n.duckdb"
    ensure_schema(db)
    result = newswatch("query", "DELETE FROM events", "--db", str(db))
    assert result.returncode == 1
    assert 'Cannot execute statement of type "DELETE"' in result.stderr
    assert "read-only mode" in result.stderr


def test_query_on_a_missing_database_says_so(tmp_path: Path) -> None:
    result = newswatch("query", "SELECT 1", "--db", str(tmp_path / "none.duckdb"))
    assert result.returncode == 1
    assert "no such database" in result.stderr


def test_events_on_an_empty_database_prints_an_empty_timeline(tmp_path: Path) -> None:
    db = tmp_path / "n.duckdb"
    ensure_schema(db)
    result = newswatch("events", "--db", str(db))
    assert result.returncode == 0, result.stderr
    assert "0 event(s)" in result.stdout


def test_table_format_shows_headers_and_values() -> None:
    text = format_rows(["kind", "n"], [("call", 3)], "table")
    assert "kind" in text and "call" in text and "3" in text


def test_json_format_serialises_dates_and_lists(tmp_path: Path) -> None:
    db = tmp_path / "n.duckdb"
    ensure_schema(db)
    with write_session(db) as con:
        row = con.execute("SELECT DATE '2025-02-12' AS d, ['a', 'b'] AS l").fetchone()
    assert row is not None
    assert json.loads(format_rows(["d", "l"], [row], "json")) == [
        {"d": "2025-02-12", "l": ["a", "b"]}
    ]
