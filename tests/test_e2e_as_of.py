"""End to end on the run's clock: failures that speak, no alert storm, fresh news once.

Real `newswatch run` processes on Prefect's temporary API, a loopback news site serving
the feeds and pages of tests/fixtures/as_of, a Slack webhook on loopback, aiosmtpd for
email, one DuckDB file. Every run sets `--as-of`, so the fixture's 2025 news is read as
of its own time:

1. every source down: exit 4 and one line; the run is not the watch's silent first run;
2. the feed back: the silent first run (a contact fresh at that time is *not* alerted);
3. old news (a meeting reported weeks before): stored, 0 `new` alerts on any channel;
4. fresh news: one `new` alert per channel for the one new contact;
5. the same feed again: nothing more.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from email import message_from_bytes
from email.header import decode_header, make_header
from pathlib import Path

import duckdb
import pytest
from aiosmtpd.controller import Controller

from tests.support.loopback import LoopbackServer, Reply, Request

pytestmark = pytest.mark.slow

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "as_of"


class _Inbox:
    def __init__(self) -> None:
        self.messages: list[bytes] = []

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        self.messages.append(envelope.content)  # type: ignore[attr-defined]
        return "250 OK"

    def subjects(self) -> list[str]:
        subjects = []
        for m in self.messages:
            raw = message_from_bytes(m)["Subject"]
            # Long subjects are folded on the wire; the reader sees one line.
            subjects.append(str(make_header(decode_header(raw))).replace("\r\n", ""))
        return subjects


class _Site:
    """The fixture news site: the feed file being served (or an outage) and the pages."""

    def __init__(self, server: LoopbackServer) -> None:
        self.server = server
        self.feed: str | None = None  # None: the feed answers 503
        server.routes["/feed.xml"] = self._feed
        server.static_root = FIXTURES

    def _feed(self, request: Request) -> Reply:
        if self.feed is None:
            return Reply(503, b"Service Unavailable", {"Content-Type": "text/plain"})
        body = (
            (FIXTURES / self.feed)
            .read_bytes()
            .replace(b"http://HOST", self.server.base_url.encode())
        )
        return Reply(200, body, {"Content-Type": "application/rss+xml"})


@pytest.fixture
def site() -> Iterator[_Site]:
    with LoopbackServer() as server:
        yield _Site(server)


@pytest.fixture
def slack() -> Iterator[tuple[str, list[dict[str, object]]]]:
    received: list[dict[str, object]] = []

    def webhook(req: Request) -> Reply:
        received.append(json.loads(req.body))
        return Reply(200, b"ok", {"Content-Type": "text/plain"})

    with LoopbackServer() as server:
        server.routes["/services/T1/B1/hook"] = webhook
        yield server.url("/services/T1/B1/hook"), received


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


def _run(home: Path, watch: Path, db: Path, as_of: str, env: dict[str, str]):  # type: ignore[no-untyped-def]
    full_env = {**os.environ, "NEWSWATCH_HOME": str(home), **env}
    full_env.pop("NEWSWATCH_APPRISE_URLS", None)
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
            "--as-of",
            as_of,
        ],
        capture_output=True,
        text=True,
        env=full_env,
        timeout=240,
    )


def _rows(db: Path, sql: str) -> list[tuple[object, ...]]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def _slack_headers(payloads: list[dict[str, object]]) -> list[str]:
    return [str(p["blocks"][0]["text"]["text"]) for p in payloads]  # type: ignore[index]


def test_outage_then_backlog_then_fresh_news_alerts_exactly_once_per_fresh_contact(
    tmp_path: Path,
    site: _Site,
    slack: tuple[str, list[dict[str, object]]],
    smtp: tuple[int, _Inbox],
) -> None:
    home = tmp_path / "home"
    db = tmp_path / "news.duckdb"
    watch = tmp_path / "watch.toml"
    watch.write_text(
        (FIXTURES / "watch.toml").read_text().replace("FEED_URL", site.server.url("/feed.xml"))
    )
    webhook, slack_received = slack
    smtp_port, inbox = smtp
    env = {
        "SLACK_WEBHOOK_URL": webhook,
        "NEWSWATCH_SMTP_URL": f"smtp://127.0.0.1:{smtp_port}",
        "NEWSWATCH_EMAIL_TO": "desk@example.org",
    }

    # 1. Every source down: a documented non-zero exit, one line, no traceback.
    site.feed = None
    down = _run(home, watch, db, "2025-10-17T11:30Z", env)
    assert down.returncode == 4, down.stderr[-2000:]
    error_lines = [line for line in down.stderr.splitlines() if "newswatch: error:" in line]
    assert error_lines == [
        "newswatch: error: every source of as-of-e2e failed, nothing was read: "
        "harbour-gazette: HTTP 503 Service Unavailable"
    ]
    assert "Traceback" not in down.stderr
    assert _rows(db, "SELECT status, error FROM runs") == [("failed", "every source failed (1)")]
    # The operator hears it once, on every channel: the source broke.
    assert _slack_headers(slack_received) == ["Source broken: harbour-gazette"]
    assert inbox.subjects() == ["[newswatch as-of-e2e] Source broken: harbour-gazette"]
    assert "Source broken: harbour-gazette" in down.stdout

    # 2. The feed is back: this is the watch's silent first run, even though the October
    #    call (reported 18 h before) is fresh by the run's clock.
    site.feed = "feed-backfill.xml"
    first = _run(home, watch, db, "2025-10-17T12:00Z", env)
    assert first.returncode == 0, first.stderr[-3000:]
    assert _rows(db, "SELECT count(*) FROM events WHERE event_type = 'call'") == [(2,)]
    assert _rows(db, "SELECT count(*) FROM alerts WHERE kind <> 'ops'") == [(0,)]
    assert _slack_headers(slack_received)[1:] == ["Source recovered: harbour-gazette"]
    assert "New contact" not in first.stdout

    # 3. Old news: the Alaska meeting, first reported two months before the run's clock,
    #    is stored (and shown), never alerted.
    site.feed = "feed-old-news.xml"
    old = _run(home, watch, db, "2025-10-21T12:00Z", env)
    assert old.returncode == 0, old.stderr[-3000:]
    assert _rows(db, "SELECT kind, day, status FROM contacts WHERE kind = 'meeting'") == [
        ("meeting", "2025-08-15", "confirmed")
    ]
    assert _rows(db, "SELECT count(*) FROM alerts WHERE kind = 'new'") == [(0,)]
    assert "New contact" not in old.stdout
    assert len(slack_received) == 2 and len(inbox.messages) == 2

    # 4. Fresh news (published three hours before the run's clock): one alert per channel.
    site.feed = "feed-fresh-news.xml"
    fresh = _run(home, watch, db, "2025-11-04T12:00Z", env)
    assert fresh.returncode == 0, fresh.stderr[-3000:]
    new_rows = _rows(
        db,
        "SELECT a.channel, a.status, e.event_date FROM alerts a JOIN events e USING (event_id) "
        "WHERE a.kind = 'new' ORDER BY a.channel",
    )
    day = date(2025, 11, 4)
    assert new_rows == [("console", "sent", day), ("email", "sent", day), ("slack", "sent", day)]
    assert _slack_headers(slack_received)[2:] == [
        "New contact: call between Vladimir Putin and Donald Trump"
    ]
    assert inbox.subjects()[2:] == [
        "[newswatch as-of-e2e] New contact: call between Vladimir Putin and Donald Trump, "
        "2025-11-04 (confirmed)"
    ]
    assert fresh.stdout.count("New contact: call between Vladimir Putin and Donald Trump") == 1

    # 5. The same feed half an hour later: nothing new, nothing sent again.
    again = _run(home, watch, db, "2025-11-04T12:30Z", env)
    assert again.returncode == 0, again.stderr[-3000:]
    assert len(slack_received) == 3 and len(inbox.messages) == 3
    assert "New contact" not in again.stdout
    assert _rows(db, "SELECT count(*) FROM alerts") == [(9,)]  # 2 notices x 3 + 3 alerts
