"""A bulletin page that reuses one URL, read day after day by real runs of the core.

Eleven daily editions of a plain-news bulletin are served at the same URL; the feed dates
the item with each edition. Every edition is stored as a version of the one article, and
the contacts that later editions report are found and alerted once each.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import duckdb

from newswatch.config import load_watch
from newswatch.core import run_watch
from tests.support.loopback import LoopbackServer, Reply
from tests.support.newssite import write_watch

FIRST_DAY = datetime(2025, 2, 3, 13, 0, tzinfo=UTC)  # a Monday
ROUTINE = [
    "Snow closed two mountain roads in the north overnight.",
    "The central bank kept its main interest rate unchanged.",
    "A new ferry line between the islands opens in May.",
    "Hospitals asked people with mild flu to stay at home.",
    "The national football team won its friendly match 2-1.",
    "Train tickets will cost more from the start of next month.",
    "A museum of design reopened after a two-year renovation.",
    "Farmers expect a good harvest after a mild winter.",
    "The city will plant a thousand new trees this spring.",
    "Schools start their winter holiday next week.",
    "A long strike at the harbour ended on Monday.",
]
# Every item of the bulletin says a little more, as plain-language bulletins do.
DETAIL = (
    "Officials said more details would follow later in the week. "
    "Residents can find the latest information on the local authority's website."
)
# Day index -> the story that edition adds about the pair.
CONTACTS = {
    3: "Donald Trump and Vladimir Putin spoke by phone on Wednesday, the Kremlin said.",
    8: "Donald Trump met Vladimir Putin in Riyadh on Monday, the White House said.",
}


def _edition(day: int) -> tuple[datetime, bytes]:
    published = FIRST_DAY + timedelta(days=day)
    stories = [ROUTINE[(day + k) % len(ROUTINE)] + " " + DETAIL for k in (0, 3, 6)]
    if day in CONTACTS:
        stories.insert(0, CONTACTS[day])
    body = "".join(f"<h2>News {n + 1}</h2><p>{s}</p>" for n, s in enumerate(stories))
    html = (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>News in brief</title>"
        f"<meta property='article:published_time' content='{published.isoformat()}'>"
        "<link rel='canonical' href='/bulletin'></head><body><article><h1>News in brief</h1>"
        f"{body}</article></body></html>"
    )
    return published, html.encode()


def _serve(server: LoopbackServer, day: int) -> None:
    published, page = _edition(day)
    feed = (
        "<?xml version='1.0' encoding='UTF-8'?><rss version='2.0'><channel><title>Bulletin</title>"
        f"<link>{server.base_url}/</link><description>Daily</description>"
        f"<item><title>News in brief</title><link>{server.url('/bulletin')}</link>"
        f"<guid>bulletin</guid><pubDate>{format_datetime(published)}</pubDate></item>"
        "</channel></rss>"
    ).encode()
    server.routes["/feed.xml"] = lambda req: Reply(
        200, feed, {"Content-Type": "application/rss+xml"}
    )
    server.routes["/bulletin"] = lambda req: Reply(200, page, {"Content-Type": "text/html"})
    server.routes["/robots.txt"] = lambda req: Reply(404, b"")


def _query(db: Path, sql: str) -> list[tuple[object, ...]]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_every_edition_is_a_version_and_later_contacts_are_found(
    tmp_path: Path, loopback: LoopbackServer
) -> None:
    watch = load_watch(write_watch(tmp_path / "w.toml", loopback.url("/feed.xml")))
    db = tmp_path / "news.duckdb"
    for day in range(11):
        _serve(loopback, day)
        now = FIRST_DAY + timedelta(days=day, hours=2)
        summary = run_watch(watch, db, alerts_enabled=True, clock=lambda now=now: now)
        assert summary.skipped is None

    assert _query(db, "SELECT count(*) FROM articles") == [(1,)]
    versions = _query(db, "SELECT version FROM article_versions ORDER BY version")
    assert [v[0] for v in versions] == list(range(1, 12))
    added = _query(db, "SELECT added_parts FROM article_versions WHERE version = 4")
    assert CONTACTS[3] in added[0][0]
    events = _query(
        db, "SELECT event_type, event_date FROM events WHERE NOT historical ORDER BY event_date"
    )
    assert events == [
        ("call", (FIRST_DAY + timedelta(days=2)).date()),
        ("meeting", (FIRST_DAY + timedelta(days=7)).date()),
    ]
    # One source each: versions of one page are never a second source or a copy.
    assert _query(db, "SELECT independent_sources, copies FROM events ORDER BY event_date") == [
        (1, 0),
        (1, 0),
    ]
    # Each contact alerted once (console), as a new contact.
    assert _query(
        db, "SELECT kind, count(*) FROM alerts WHERE channel = 'console' GROUP BY kind"
    ) == [("new", 2)]


def test_an_unchanged_page_is_no_new_version(tmp_path: Path, loopback: LoopbackServer) -> None:
    watch = load_watch(write_watch(tmp_path / "w.toml", loopback.url("/feed.xml")))
    db = tmp_path / "news.duckdb"
    _serve(loopback, 0)
    for hours in (1, 3, 6):  # re-checks come due, the page has not changed
        now = FIRST_DAY + timedelta(hours=hours)
        run_watch(watch, db, alerts_enabled=False, clock=lambda now=now: now)
    assert _query(db, "SELECT count(*) FROM article_versions") == [(0,)]
    assert _query(db, "SELECT count(*) FROM fetches WHERE url LIKE '%/bulletin'") == [(3,)]
