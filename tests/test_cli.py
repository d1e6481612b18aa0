"""The command line: help texts, bad watch files, read-only query output."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newswatch.cli import build_parser, format_rows
from newswatch.output import DateInputError, parse_day
from newswatch.storage.db import ensure_schema, write_session
from newswatch.timeline import TIMELINE_COLUMNS

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
            "events.pair names 'a', which is not in [actors]",
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


# ---------------------------------------------------------------- edges (issue 15)

PACKAGE_DIRS = ("newswatch", "flows", "sources", "extractors", "storage", "alerts")
_ENV_READ = re.compile(
    r"""(?:environ(?:\.get|\.setdefault|\.pop)?|getenv|env\.get)\(\s*["']([A-Z][A-Z0-9_]+)["']"""
    r"""|environ\[\s*["']([A-Z][A-Z0-9_]+)["']\s*\]"""
    r"""|_ENV\s*=\s*["']([A-Z][A-Z0-9_]+)["']"""
)


def variables_the_code_reads() -> set[str]:
    found: set[str] = set()
    for folder in PACKAGE_DIRS:
        for source in (REPO / folder).glob("*.py"):
            for match in _ENV_READ.finditer(source.read_text(encoding="utf-8")):
                found.update(g for g in match.groups() if g)
    return found


def test_the_help_lists_every_environment_variable_the_code_reads() -> None:
    read = variables_the_code_reads()
    assert {"NEWSWATCH_DB", "SLACK_WEBHOOK_URL", "NEWSWATCH_LLM_API_KEY"} <= read  # the scan works
    epilog = build_parser().format_help()
    missing = sorted(name for name in read if name not in epilog)
    assert missing == []


def test_version_prints_the_installed_version() -> None:
    from importlib.metadata import version

    result = newswatch("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"newswatch {version('newswatch')}"


def test_a_missing_sql_file_is_one_line_and_exit_2(tmp_path: Path) -> None:
    db = tmp_path / "n.duckdb"
    ensure_schema(db)
    missing = tmp_path / "missing.sql"
    result = newswatch("query", "--file", str(missing), "--db", str(db))
    assert result.returncode == 2
    assert (
        result.stderr
        == f"newswatch: error: cannot read SQL file {missing}: No such file or directory\n"
    )


def _db_with_events(tmp_path: Path) -> Path:
    db = tmp_path / "n.duckdb"
    ensure_schema(db)
    now = datetime.now(UTC)
    with write_session(db) as con:
        for event_id, day, kind in (
            ("e-old", date(2020, 7, 23), "call"),
            ("e-new", (now - timedelta(days=1)).date(), "meeting"),
        ):
            con.execute(
                "INSERT INTO events (event_id, watch, event_type, participants, status, "
                "event_date, summary, first_seen_at, updated_at) "
                "VALUES (?, 'w', ?, ['trump', 'putin'], 'reported', ?, ?, ?, ?)",
                [event_id, kind, day, f"{kind} on {day}", now, now],
            )
    return db


@pytest.mark.parametrize("since", ["yesterday", "2 days ago", "last week"])
def test_events_since_takes_natural_dates(tmp_path: Path, since: str) -> None:
    db = _db_with_events(tmp_path)
    result = newswatch("events", "--db", str(db), "--since", since, "--format", "json")
    assert result.returncode == 0, result.stderr
    assert [e["event_id"] for e in json.loads(result.stdout)] == ["e-new"]


def test_events_since_an_iso_day_and_csv_output(tmp_path: Path) -> None:
    db = _db_with_events(tmp_path)
    result = newswatch("events", "--db", str(db), "--since", "2020-07-23", "--format", "csv")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == ",".join(TIMELINE_COLUMNS)
    assert [line.split(",")[0] for line in lines[1:]] == ["e-old", "e-new"]


@pytest.mark.parametrize("since", ["not a date", "2025-13-45", "yesterdayy"])
def test_events_since_nonsense_is_one_line_and_exit_2(tmp_path: Path, since: str) -> None:
    db = _db_with_events(tmp_path)
    result = newswatch("events", "--db", str(db), "--since", since)
    assert result.returncode == 2
    assert result.stderr.startswith(f"newswatch: error: --since: '{since}' is not a date")
    assert result.stderr.count("\n") == 1


def test_alerts_list_as_json(tmp_path: Path) -> None:
    db = _db_with_events(tmp_path)
    now = datetime.now(UTC)
    with write_session(db) as con:
        con.execute(
            "INSERT INTO alerts (alert_id, event_id, channel, kind, status, attempts, created_at, "
            "message_id) VALUES ('a1', 'e-new', 'slack', 'new', 'sent', 1, ?, 'm1')",
            [now],
        )
    result = newswatch("alerts", "--db", str(db), "--format", "json")
    assert result.returncode == 0, result.stderr
    [alert] = json.loads(result.stdout)
    assert (alert["message_id"], alert["channel"], alert["status"], alert["event_id"]) == (
        "m1",
        "slack",
        "sent",
        "e-new",
    )
    assert alert["event"] == f"meeting on {(now - timedelta(days=1)).date()}"


def test_run_summary_as_json_and_csv() -> None:
    from newswatch.cli import render_run_summary
    from newswatch.domain import RunCounts
    from newswatch.report import RunSummary

    summary = RunSummary(
        run_id="r1",
        watch="w",
        db_path="n.duckdb",
        counts=RunCounts(sources_ok=2, articles_stored=5),
        new_events=["call on 2025-03-18"],
        seconds=3.04,
    )
    as_json = json.loads(render_run_summary(summary, "json"))
    assert (as_json["run_id"], as_json["seconds"], as_json["new_events"]) == (
        "r1",
        3.0,
        ["call on 2025-03-18"],
    )
    assert as_json["counts"]["articles_stored"] == 5
    lines = render_run_summary(summary, "csv").splitlines()
    assert lines[0] == "count,value"
    assert "articles_stored,5" in lines and "seconds,3.0" in lines


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31)))
def test_an_iso_day_parses_to_itself(day: date) -> None:
    assert parse_day(day.isoformat()) == day


@settings(deadline=None)  # dateparser loads its language data on first use
@given(st.text(max_size=40))
def test_any_text_is_a_day_or_one_clear_error(text: str) -> None:
    try:
        parsed = parse_day(text, now=datetime(2025, 6, 1, tzinfo=UTC))
    except DateInputError as exc:
        assert "is not a date" in str(exc)
    else:
        assert isinstance(parsed, date)
