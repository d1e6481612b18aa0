"""End to end: `newswatch run` as a user runs it, against the shared corpus on loopback.

Real parts throughout: the corpus pages and feeds served over HTTP on 127.0.0.1, a Slack
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

from tests.conftest import CORPUS, require
from tests.loopback import LoopbackServer, Reply, Request

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


# Contacts first reported in feed-2 (corpus labels, batch 2): kind and day (or range start).
FEED2_CONTACTS = {
    ("call", "2025-05-19"),
    ("meeting", "2025-08-15"),
    ("call", "2025-10-16"),
    ("meeting", "2025-10-16"),  # Budapest: agreed 10-16, range start; called off 10-22
}


# The corpus is read as of its own time: two days after the October calls were first
# reported (feed-2's May and August contacts are older than the 72 h age guard).
AS_OF = ("--as-of", "2025-10-18T12:00Z")


def rows(db: Path, sql: str) -> list[tuple[object, ...]]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_backfill_then_run_fills_every_table_adds_only_what_is_new_and_alerts_once_per_new_contact(
    tmp_path: Path,
    prefect_home: Path,
    corpus_server: LoopbackServer,
    slack: tuple[LoopbackServer, list[dict[str, object]]],
    smtp: tuple[int, _Inbox],
) -> None:
    require(CORPUS / "feed-2.xml")
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
    articles_after_first = count(db, "SELECT count(*) FROM articles")
    assert articles_after_first == 16
    assert count(db, "SELECT count(*) FROM events WHERE NOT historical") > 0
    assert count(db, "SELECT count(*) FROM event_mentions") > 0
    assert count(db, "SELECT count(*) FROM runs WHERE status = 'completed'") == 1
    # A backfill stores events and queues nothing.
    assert count(db, "SELECT count(*) FROM alerts") == 0
    page_requests_first = [r.path for r in corpus_server.requests if r.path.startswith("/pages/")]

    slack_server, slack_received = slack
    smtp_port, inbox = smtp
    env = {
        "SLACK_WEBHOOK_URL": slack_server.url("/services/T000/B000/XXXX"),
        "NEWSWATCH_SMTP_URL": f"smtp://127.0.0.1:{smtp_port}",
        "NEWSWATCH_EMAIL_TO": "desk@example.org, editor@example.org",
    }
    result = run_cli(prefect_home, "run", "--watch", str(second), "--db", str(db), *AS_OF, env=env)
    assert result.returncode == 0, result.stderr[-3000:]

    assert count(db, "SELECT count(*) FROM articles") == 30
    page_requests = [r.path for r in corpus_server.requests if r.path.startswith("/pages/")]
    refetched = set(page_requests[len(page_requests_first) :]) & set(page_requests_first)
    assert not refetched, f"pages fetched again: {sorted(refetched)}"
    assert count(db, "SELECT count(*) FROM runs WHERE status = 'completed'") == 2

    slack_rows = count(
        db, "SELECT count(*) FROM alerts WHERE channel = 'slack' AND status = 'sent'"
    )
    email_rows = count(
        db, "SELECT count(*) FROM alerts WHERE channel = 'email' AND status = 'sent'"
    )
    assert slack_rows > 0
    assert len(slack_received) == slack_rows
    assert len(inbox.messages) == email_rows == slack_rows
    mail = message_from_bytes(inbox.messages[0])
    assert mail["Message-ID"] and mail.get_content_type() == "multipart/alternative"
    # Every alert names a contact of the watch's pair.
    assert all("Putin" in json.dumps(p) for p in slack_received)
    assert count(db, "SELECT count(*) FROM alerts WHERE status <> 'sent'") == 0

    # The same feed again: nothing new is stored, fetched or sent.
    result = run_cli(prefect_home, "run", "--watch", str(second), "--db", str(db), *AS_OF, env=env)
    assert result.returncode == 0, result.stderr[-3000:]
    assert count(db, "SELECT count(*) FROM articles") == 30
    assert len(slack_received) == slack_rows

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
    assert json.loads(query.stdout) == [{"n": count(db, "SELECT count(*) FROM events")}]
