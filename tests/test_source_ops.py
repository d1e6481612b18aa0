"""Failure that speaks: source health stored run after run, one operator notice per change,
delivered through the outbox once; and independent sources counted as outlets."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
from rich.console import Console

from newswatch.alerts.channels import ops_channels
from newswatch.alerts.email import build_email
from newswatch.alerts.render import render_slack, render_subject, render_text
from newswatch.config import parse_watch
from newswatch.core.delivery import deliver_due_alerts
from newswatch.core.source_ops import announce_source_health
from newswatch.domain import OpsNotice, SourceResult
from newswatch.outbox_cli import list_outbox
from newswatch.storage import sources as source_store
from newswatch.storage.db import write_session
from newswatch.storage.events import refresh_source_counts
from tests.support.alerts import (
    RecordingChannel,
    add_article,
    add_event,
    add_mention,
    make_db,
)

WATCH = parse_watch(
    """
name = "ops-watch"
[[sources]]
kind = "rss"
name = "wire"
url = "https://example.org/feed.xml"
[actors.alpha]
names = ["Anna Alpha"]
[actors.beta]
names = ["Boris Beta"]
[events]
pair = ["alpha", "beta"]
[ops]
broken_after_failures = 2
""",
    "ops-watch",
)
START = datetime(2025, 10, 1, tzinfo=UTC)


def poll(db: Path, run: int, now: datetime, *, status: str = "ok", new_links: int = 0) -> int:
    """One run's end as the flow does it: save the poll result, judge, queue notices."""
    result = SourceResult(
        source="wire",
        url="https://example.org/feed.xml",
        status=status,  # type: ignore[arg-type]
        error="HTTP 503 Service Unavailable" if status == "failed" else None,
    )
    with write_session(db) as con:
        con.execute(
            "INSERT INTO runs (run_id, watch, started_at, status) VALUES (?, ?, ?, 'completed')",
            [f"run-{run}", WATCH.name, now],
        )
        source_store.save_source_results(con, WATCH.name, [result], {"wire": "rss"}, now)
        return announce_source_health(
            con, WATCH, f"run-{run}", now, {"wire": new_links}, ["console", "slack"]
        )


def notices(db: Path) -> list[tuple[str, str]]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(
            "SELECT state, detail FROM ops_notices ORDER BY created_at, state"
        ).fetchall()
    finally:
        con.close()


def health(db: Path) -> str:
    con = duckdb.connect(str(db), read_only=True)
    try:
        row = con.execute("SELECT health FROM source_health WHERE source = 'wire'").fetchone()
        return str(row[0]) if row else ""
    finally:
        con.close()


def test_a_source_that_breaks_and_recovers_is_announced_once_each_way(tmp_path: Path) -> None:
    db = make_db(tmp_path)
    assert poll(db, 1, START, new_links=3) == 0
    assert poll(db, 2, START + timedelta(minutes=30), status="failed") == 0  # 1 < 2 failures
    assert health(db) == "failing"
    # The second failure in a row breaks it: one notice on each of the two channels.
    assert poll(db, 3, START + timedelta(minutes=60), status="failed") == 2
    assert poll(db, 4, START + timedelta(minutes=90), status="failed") == 0  # told already
    assert health(db) == "broken"
    assert poll(db, 5, START + timedelta(minutes=120), new_links=1) == 2
    assert health(db) == "healthy"
    assert notices(db) == [
        ("broken", "2 failed polls in a row; last error: HTTP 503 Service Unavailable"),
        ("recovered", "answering again"),
    ]


def test_a_source_that_goes_quiet_is_stale_after_six_usual_intervals(tmp_path: Path) -> None:
    db = make_db(tmp_path)
    for i in range(5):  # new links every 2 hours
        poll(db, i, START + timedelta(hours=2 * i), new_links=4)
    last_news = START + timedelta(hours=8)
    # Only 304s / known links from now on; 12 h of silence is still within 6 x 2 h.
    assert poll(db, 10, last_news + timedelta(hours=12), status="not_modified") == 0
    assert poll(db, 11, last_news + timedelta(hours=12, minutes=30), status="not_modified") == 2
    assert health(db) == "stale"
    assert poll(db, 12, last_news + timedelta(hours=13), status="ok") == 0
    assert notices(db) == [
        (
            "stale",
            "no new link for 12 h 30 min; it usually brings new links every 2 h "
            "(stale after 6x, 12 h)",
        )
    ]
    assert poll(db, 13, last_news + timedelta(hours=14), new_links=2) == 2
    assert [state for state, _ in notices(db)] == ["stale", "recovered"]


def test_notices_are_delivered_through_the_outbox_once(tmp_path: Path) -> None:
    db = make_db(tmp_path)
    poll(db, 1, START, new_links=1)
    poll(db, 2, START + timedelta(hours=1), status="failed")
    poll(db, 3, START + timedelta(hours=2), status="failed")
    console, slack = RecordingChannel("console"), RecordingChannel("slack")
    now = START + timedelta(hours=2)
    report = deliver_due_alerts(db, [console, slack], WATCH, now)
    assert report.sent == 2
    assert [type(m) for m in console.sent + slack.sent] == [OpsNotice, OpsNotice]
    assert console.sent[0].source == "wire" and console.sent[0].state == "broken"
    # Delivered rows are not sent again by a later pass.
    assert deliver_due_alerts(db, [console, slack], WATCH, now).sent == 0


def test_an_ops_notice_renders_on_every_channel() -> None:
    notice = OpsNotice(
        "abc123", "ops-watch", "wire", "stale", "no new link for 13 h", START + timedelta(hours=9)
    )
    assert render_text(notice).splitlines() == [
        "Source stale: wire",
        "no new link for 13 h",
        'Since 2025-10-01 09:00 UTC. Health of every source: newswatch query "SELECT * FROM '
        'source_health"',
        "newswatch ops-watch · ops notice abc123",
    ]
    slack = render_slack(notice)
    assert slack["blocks"][0]["text"]["text"] == "Source stale: wire"
    assert render_subject(notice) == "[newswatch ops-watch] Source stale: wire"
    mail = build_email(notice, "newswatch@example.org", ["ops@example.org"])
    assert mail["Message-ID"] == "<abc123@newswatch>"


def test_a_separate_ops_channel_comes_from_its_own_variables() -> None:
    env = {
        "SLACK_WEBHOOK_URL": "https://hooks.example/alerts",
        "NEWSWATCH_OPS_SLACK_WEBHOOK_URL": "https://hooks.example/ops",
    }
    assert [c.name for c in ops_channels("ops", env)] == ["console", "ops-slack"]
    assert [c.name for c in ops_channels("alerts", env)] == ["console", "slack"]
    assert ops_channels("off", env) == []


def test_independent_sources_are_distinct_outlets_reporting_the_contact_as_news(
    tmp_path: Path,
) -> None:
    db = make_db(tmp_path)
    add_event(db, "ev")
    first = add_article(db, "https://www.gazette.example/a", "A")
    second = add_article(db, "https://gazette.example/b", "B")  # same outlet, no www.
    other = add_article(db, "https://herald.example/c", "C")
    background = add_article(db, "https://courier.example/d", "D")
    wire = add_article(db, "https://syndicator.example/e", "E", duplicate_of=other)
    for article in (first, second, other, background, wire):
        add_mention(db, "ev", article, "Alpha and Beta spoke by phone.")
    with write_session(db) as con:
        con.execute(
            "UPDATE event_mentions SET historical = TRUE WHERE article_id = ?", [background]
        )
        refresh_source_counts(con, ["ev"])
        counts = con.execute(
            "SELECT independent_sources, copies FROM events WHERE event_id = 'ev'"
        ).fetchone()
    # gazette (twice) and herald; the background mention and the wire copy apart.
    assert counts == (2, 1)


def test_the_outbox_listing_names_the_source_of_an_ops_notice(tmp_path: Path) -> None:
    db = make_db(tmp_path)
    poll(db, 1, START, new_links=1)
    poll(db, 2, START + timedelta(hours=1), status="failed")
    poll(db, 3, START + timedelta(hours=2), status="failed")
    out = io.StringIO()
    assert list_outbox(db, console=Console(file=out, width=200)) == 0
    listing = out.getvalue()
    assert listing.count("broken: wire") == 2 and listing.count(" ops ") == 2
