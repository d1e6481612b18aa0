"""Readers never stop monitoring: real `newswatch run`s while another process reads.

A reader that opens the read copy (as the README tells pandas, the duckdb CLI and
notebooks to) holds it through two runs: both complete, the copy is refreshed under it,
and no alert goes out twice. A reader that opens the database file itself costs one run:
it ends with one clear line (exit 3, no traceback), and the next run stores everything.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pytest

from newswatch.storage.read_copy import read_copy_path
from tests.support.loopback import LoopbackServer, Reply, Request
from tests.support.newssite import NewsSite, write_watch

pytestmark = pytest.mark.slow

WEBHOOK = "/services/T000/B000/READERS"

# A reader in another process: holds a read-only connection until its stdin closes.
_READER = """
import sys, duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
print(con.execute("SELECT count(*) FROM articles").fetchone()[0], flush=True)
sys.stdin.read()
"""


@contextmanager
def reader_holding(path: Path) -> Iterator[int]:
    """A separate process holding `path` read-only; yields the article count it saw."""
    proc = subprocess.Popen(
        [sys.executable, "-c", _READER, str(path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None and proc.stdin is not None
    try:
        yield int(proc.stdout.readline())
    finally:
        proc.stdin.close()
        proc.wait(timeout=30)


def run(
    home: Path, watch: Path, db: Path, slack_url: str, *options: str, **env: str
) -> subprocess.CompletedProcess[str]:
    full_env = {
        **os.environ,
        "NEWSWATCH_HOME": str(home),
        "SLACK_WEBHOOK_URL": slack_url,
        "NEWSWATCH_PROGRESS": "0",
        **env,
    }
    for var in ("PREFECT_API_URL", "PREFECT_HOME", "NEWSWATCH_SMTP_URL", "NEWSWATCH_APPRISE_URLS"):
        full_env.pop(var, None)
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "newswatch",
            "run",
            "--watch",
            str(watch),
            "--db",
            str(db),
            # The site's stories are dated 2025-03-18: read them as of that day, as news.
            "--as-of",
            "2025-03-18T12:00Z",
            *options,
        ],
        capture_output=True,
        text=True,
        env=full_env,
        timeout=300,
    )


def rows(path: Path, sql: str) -> list[tuple[object, ...]]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


ALERTS = "SELECT alert_id, channel, kind, status, sent_at FROM alerts ORDER BY alert_id"


def test_a_reader_of_the_copy_never_blocks_a_run_and_a_reader_of_the_file_costs_one_clear_line(
    tmp_path: Path, loopback: LoopbackServer
) -> None:
    received: list[dict[str, object]] = []

    def webhook(req: Request) -> Reply:
        received.append(json.loads(req.body))
        return Reply(200, b"ok", {"Content-Type": "text/plain"})

    loopback.routes[WEBHOOK] = webhook
    slack = loopback.url(WEBHOOK)
    site = NewsSite(loopback)
    watch = write_watch(tmp_path / "watch.toml", site.feed_url, name="readers")
    db = tmp_path / "news.duckdb"
    copy = read_copy_path(db)
    home = tmp_path / "home"

    # 1. The first run (a backlog: silent) stores the phone call and publishes the copy.
    site.add_stories(1)
    first = run(home, watch, db, slack)
    assert first.returncode == 0, first.stderr[-3000:]
    # The run's temporary Prefect server is gone when the run ends: no link to it.
    assert "View at" not in first.stdout + first.stderr
    assert copy.exists()
    assert rows(copy, "SELECT count(*) FROM articles") == [(1,)]

    # 2. A reader holds the copy through two runs; both complete and publish under it.
    with reader_holding(copy) as seen:
        assert seen == 1
        site.add_stories(2)  # the Budapest meeting is announced; an unrelated story
        second = run(home, watch, db, slack, "--format", "json")
        assert second.returncode == 0, second.stderr[-3000:]
        # With --format json, stdout is the summary alone (the console alert went to stderr).
        summary = json.loads(second.stdout)
        assert (summary["watch"], summary["counts"]["articles_stored"]) == ("readers", 2)
        assert summary["counts"]["alerts_sent"] == 2
        assert "Budapest" in second.stderr
        alerts_after_second = rows(db, ALERTS)
        third = run(home, watch, db, slack)
        assert third.returncode == 0, third.stderr[-3000:]
        # Readers opening the copy now see the new articles.
        assert rows(copy, "SELECT count(*) FROM articles") == [(3,)]
    for result in (first, second, third):
        assert "Traceback" not in result.stdout + result.stderr
    # One new contact (the meeting) alerted once per channel; the third run sent nothing.
    assert {(channel, kind, status) for _, channel, kind, status, _ in alerts_after_second} == {
        ("console", "new", "sent"),
        ("slack", "new", "sent"),
    }
    assert len(alerts_after_second) == 2
    assert rows(db, ALERTS) == alerts_after_second
    assert len(received) == 1

    # 3. A reader opens the database file itself: the run ends with one clear line.
    site.add_stories(1)
    with reader_holding(db) as seen:
        assert seen == 3
        blocked = run(home, watch, db, slack, NEWSWATCH_DB_LOCK_WAIT="2")
    assert blocked.returncode == 3
    assert "Traceback" not in blocked.stdout + blocked.stderr
    last_line = blocked.stderr.strip().splitlines()[-1]
    assert last_line.startswith(f"newswatch: error: {db}: the database is busy")
    assert "read copy" in last_line
    assert rows(db, "SELECT count(*) FROM articles") == [(3,)]  # nothing half-done

    # 4. The reader is gone: the next run stores the story it missed, and repeats no alert.
    after = run(home, watch, db, slack)
    assert after.returncode == 0, after.stderr[-3000:]
    assert rows(db, "SELECT count(*) FROM articles") == [(4,)]
    assert rows(copy, "SELECT count(*) FROM articles") == [(4,)]
    assert set(alerts_after_second) <= set(rows(db, ALERTS))  # untouched, not sent again
    slack_sent = rows(db, "SELECT count(*) FROM alerts WHERE channel = 'slack' AND status = 'sent'")
    assert slack_sent == [(len(received),)]
