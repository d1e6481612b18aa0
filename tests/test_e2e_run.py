"""End to end: `newswatch run` as a user runs it, against the test corpus on loopback.

Real parts throughout: the test corpus pages and feeds (tests/fixtures/corpus) served over
HTTP on 127.0.0.1, a Slack
webhook receiver on loopback, aiosmtpd on loopback, a real DuckDB file, and the Prefect
flow run by the installed command on Prefect's temporary API.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from email import message_from_bytes
from pathlib import Path

import duckdb
import pytest
from aiosmtpd.controller import Controller

from tests.support.loopback import LoopbackServer, Reply, Request

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
WATCH = REPO / "deployments" / "watches" / "trump-putin.toml"


class _Inbox:
    def __init__(self) -> None:
        self.messages: list[bytes] = []

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        self.messages.append(envelope.content)  # type: ignore[attr-defined]
        return "250 OK"


@pytest.fixture(scope="module")
def prefect_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("newswatch-home")


def corpus_watch(path: Path, feed_url: str) -> Path:
    """The bundled watch with its live sources replaced by the loopback feed."""
    text = WATCH.read_text()
    actors = text[text.index("[actors.trump]") :]
    path.write_text(
        f'name = "corpus"\n\n[[sources]]\nkind = "rss"\nname = "corpus-feed"\nurl = "{feed_url}"\n\n'
        + actors.replace("allow_private_hosts = false", "allow_private_hosts = true")
        # This test counts the pages each run fetches: no re-checks of stored pages
        # (tests/test_versions_e2e.py covers those).
        + "\n[versions]\nrecheck = false\n"
    )
    return path


def run_cli(
    home: Path, *args: str, env: dict[str, str] | None = None, timeout: float = 240
) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, "NEWSWATCH_HOME": str(home), **(env or {})}
    for var in (
        "SLACK_WEBHOOK_URL",
        "NEWSWATCH_SMTP_URL",
        "NEWSWATCH_EMAIL_TO",
        "NEWSWATCH_APPRISE_URLS",
    ):
        if env is None or var not in env:
            full_env.pop(var, None)
    return subprocess.run(
        [sys.executable, "-m", "newswatch", *args],
        capture_output=True,
        text=True,
        env=full_env,
        timeout=timeout,
    )


def count(db: Path, sql: str) -> int:
    con = duckdb.connect(str(db), read_only=True)
    try:
        row = con.execute(sql).fetchone()
        return int(row[0]) if row else 0
    finally:
        con.close()


@pytest.fixture
def slack() -> Iterator[tuple[LoopbackServer, list[dict[str, object]]]]:
    received: list[dict[str, object]] = []

    def webhook(req: Request) -> Reply:
        received.append(json.loads(req.body))
        return Reply(200, b"ok", {"Content-Type": "text/plain"})

    with LoopbackServer() as server:
        server.routes["/services/T000/B000/XXXX"] = webhook
        yield server, received


@pytest.fixture
def smtp() -> Iterator[tuple[int, _Inbox]]:
    inbox = _Inbox()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port, inbox
    finally:
        controller.stop()


# The contacts of the test corpus (tests/fixtures/corpus/labels.json): kind, day, status.
FEED1_CONTACTS = {
    ("call", "2025-02-12", "confirmed"),
    ("call", "2025-03-18", "confirmed"),  # planned on page 004, held on page 005: one event
}
# Helsinki, background only; the pages name only the month, July 2018 (the range starts on the 1st).
FEED1_HISTORY = {("meeting", "2018-07-01", "confirmed")}
# Contacts first reported in feed-2 (batch 2): each alerts once, on every channel.
FEED2_CONTACTS = {
    ("call", "2025-05-19", "confirmed"),
    ("meeting", "2025-08-15", "confirmed"),  # planned on page 007, held on page 008
}
FEED2_HISTORY = {("call", "2020-07-23", "confirmed")}  # first named in batch 2, never alerts
EVENT_ROW = "e.event_type, strftime(coalesce(e.event_date, e.date_earliest), '%Y-%m-%d'), e.status"


# The corpus is read as of its own time: the morning after feed-1's last item. Feed-2's
# contacts are reported after that clock, so the age guard keeps them news.
AS_OF = ("--as-of", "2025-03-19T12:00Z")


def rows(db: Path, sql: str) -> list[tuple[object, ...]]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def contacts(db: Path, *, historical: bool) -> set[tuple[object, ...]]:
    return set(rows(db, f"SELECT {EVENT_ROW} FROM events e WHERE historical = {historical}"))


def alerted(db: Path, channel: str) -> list[tuple[object, ...]]:
    return sorted(
        rows(
            db,
            f"SELECT {EVENT_ROW} FROM alerts a JOIN events e USING (event_id) "
            f"WHERE a.channel = '{channel}' AND a.status = 'sent' AND a.kind = 'new'",
        )
    )


def test_backfill_then_run_fills_every_table_adds_only_what_is_new_and_alerts_once_per_new_contact(
    tmp_path: Path,
    prefect_home: Path,
    corpus_server: LoopbackServer,
    slack: tuple[LoopbackServer, list[dict[str, object]]],
    smtp: tuple[int, _Inbox],
) -> None:
    db = tmp_path / "corpus.duckdb"
    first = corpus_watch(tmp_path / "feed1.toml", corpus_server.url("/feed-1.xml"))
    second = corpus_watch(tmp_path / "feed2.toml", corpus_server.url("/feed-2.xml"))

    result = run_cli(
        prefect_home,
        "run",
        "--watch",
        str(first),
        "--db",
        str(db),
        "--no-alerts",
        "--as-of",
        "2025-03-19T00:00Z",
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert count(db, "SELECT count(*) FROM articles") == 5
    # 002 is the syndicator's copy of 001.
    assert count(db, "SELECT count(*) FROM articles WHERE duplicate_of IS NOT NULL") == 1
    assert contacts(db, historical=False) == FEED1_CONTACTS
    assert contacts(db, historical=True) == FEED1_HISTORY
    # Every labelled mention is linked to its article: two each on 001, 002 (its copy), 004
    # and 005 (the contact and one background contact), none on 003 (Putin and Xi).
    assert count(db, "SELECT count(*) FROM event_mentions") == 8
    assert count(db, "SELECT count(*) FROM runs WHERE status = 'completed'") == 1
    # A backfill stores events and queues nothing.
    assert count(db, "SELECT count(*) FROM alerts") == 0
    page_requests_first = [r.path for r in corpus_server.requests if r.path.startswith("/pages/")]
    assert len(page_requests_first) == 5

    slack_server, slack_received = slack
    smtp_port, inbox = smtp
    env = {
        "SLACK_WEBHOOK_URL": slack_server.url("/services/T000/B000/XXXX"),
        "NEWSWATCH_SMTP_URL": f"smtp://127.0.0.1:{smtp_port}",
        "NEWSWATCH_EMAIL_TO": "desk@example.org, editor@example.org",
    }
    result = run_cli(prefect_home, "run", "--watch", str(second), "--db", str(db), *AS_OF, env=env)
    assert result.returncode == 0, result.stderr[-3000:]

    assert count(db, "SELECT count(*) FROM articles") == 9
    page_requests = [r.path for r in corpus_server.requests if r.path.startswith("/pages/")]
    # Only the four new pages are fetched; none of the first five again.
    assert sorted(page_requests[len(page_requests_first) :]) == [
        "/pages/006-trump-and-putin-talk-for-over-two-hours.html",
        "/pages/007-kremlin-confirms-alaska-summit.html",
        "/pages/008-alaska-summit-ends-without-a-deal.html",
        "/pages/009-anchorage-summit-no-deal.html",
    ]
    assert count(db, "SELECT count(*) FROM runs WHERE status = 'completed'") == 2
    assert contacts(db, historical=False) == FEED1_CONTACTS | FEED2_CONTACTS
    assert contacts(db, historical=True) == FEED1_HISTORY | FEED2_HISTORY

    # One alert per new contact, on each channel, and nothing else (no update, no history).
    assert alerted(db, "slack") == sorted(FEED2_CONTACTS)
    assert alerted(db, "email") == sorted(FEED2_CONTACTS)
    assert count(db, "SELECT count(*) FROM alerts WHERE channel IN ('slack', 'email')") == 4
    assert count(db, "SELECT count(*) FROM alerts WHERE status <> 'sent'") == 0
    assert len(slack_received) == 2
    texts = sorted(json.dumps(p) for p in slack_received)
    assert "Anchorage" in texts[0] + texts[1] and all("Putin" in t for t in texts)
    assert len(inbox.messages) == 2
    mails = [message_from_bytes(m) for m in inbox.messages]
    assert all(m["Message-ID"] and m.get_content_type() == "multipart/alternative" for m in mails)
    assert len({m["Message-ID"] for m in mails}) == 2

    # The same feed again: nothing new is stored, fetched or sent.
    fetched_before = len(corpus_server.requests)
    result = run_cli(prefect_home, "run", "--watch", str(second), "--db", str(db), *AS_OF, env=env)
    assert result.returncode == 0, result.stderr[-3000:]
    assert count(db, "SELECT count(*) FROM articles") == 9
    assert [r.path for r in corpus_server.requests[fetched_before:]] == ["/feed-2.xml"]
    assert len(slack_received) == 2
    assert len(inbox.messages) == 2
    assert count(db, "SELECT count(*) FROM alerts WHERE channel IN ('slack', 'email')") == 4

    query = run_cli(
        prefect_home,
        "query",
        "SELECT count(*) AS n FROM events",
        "--db",
        str(db),
        "--format",
        "json",
    )
    assert query.returncode == 0, query.stderr
    assert json.loads(query.stdout) == [{"n": 6}]
