"""A page rewritten under its URL is matched by its current text when copies come later.

A live page is first a ferry story, then rewritten into a museum story; a syndicated copy
of the museum story appears afterwards at another address. The copy is recognised as a
copy of the rewritten page: the page's fingerprint follows its newest version.
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

FIRST = datetime(2025, 4, 7, 8, 0, tzinfo=UTC)

FERRY = [
    "The island ferry will run every forty minutes from the first of May, the operator said.",
    "Two new boats join the route after a winter of trials in the northern harbour.",
    "Passengers with bicycles will board through a separate ramp at the front of the vessel.",
    "The operator expects the busiest weeks in July, when the island hosts its music festival.",
    "Tickets bought online cost a little less than those sold at the quay.",
]
MUSEUM = [
    "The city museum of design reopened on Saturday after two years of renovation work.",
    "Its new glass hall shows chairs, lamps and radios made in the region since the 1920s.",
    "Curators rebuilt a workshop from an old furniture factory, tools and benches included.",
    "Entry is free for children, and the café on the roof looks over the river and the old docks.",
    "The renovation was paid for by the city and a foundation set up by a local family.",
]


def _page(title: str, paragraphs: list[str], published: datetime, *, extra: str = "") -> bytes:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{title}</title><meta property='article:published_time' "
        f"content='{published.isoformat()}'></head><body><article><h1>{title}</h1>"
        f"{body}{extra}</article></body></html>"
    ).encode()


def _feed(server: LoopbackServer, items: list[tuple[str, str, datetime]]) -> None:
    entries = "".join(
        f"<item><title>{title}</title><link>{server.url(path)}</link><guid>{path}</guid>"
        f"<pubDate>{format_datetime(published)}</pubDate></item>"
        for path, title, published in items
    )
    feed = (
        "<?xml version='1.0' encoding='UTF-8'?><rss version='2.0'><channel><title>Live</title>"
        f"<link>{server.base_url}/</link><description>Live</description>{entries}</channel></rss>"
    ).encode()
    server.routes["/feed.xml"] = lambda req: Reply(
        200, feed, {"Content-Type": "application/rss+xml"}
    )


def _serve(server: LoopbackServer, path: str, page: bytes) -> None:
    server.routes[path] = lambda req: Reply(200, page, {"Content-Type": "text/html"})


def test_a_copy_of_a_rewritten_page_is_matched_to_its_newest_version(
    tmp_path: Path, loopback: LoopbackServer
) -> None:
    loopback.routes["/robots.txt"] = lambda req: Reply(404, b"")
    watch = load_watch(write_watch(tmp_path / "w.toml", loopback.url("/feed.xml")))
    db = tmp_path / "db.duckdb"
    rewritten = FIRST + timedelta(hours=6)

    _serve(loopback, "/live", _page("Ferry timetable", FERRY, FIRST))
    _feed(loopback, [("/live", "Live", FIRST)])
    run_watch(watch, db, alerts_enabled=False)

    _serve(loopback, "/live", _page("Museum reopens", MUSEUM, rewritten))
    _feed(loopback, [("/live", "Live", rewritten)])
    second = run_watch(watch, db, alerts_enabled=False)

    later = rewritten + timedelta(hours=2)
    _serve(
        loopback,
        "/syndicated/museum",
        _page("Design museum opens its doors again", MUSEUM, later, extra="<p>Agency text.</p>"),
    )
    _feed(loopback, [("/live", "Live", rewritten), ("/syndicated/museum", "Museum", later)])
    third = run_watch(watch, db, alerts_enabled=False)

    con = duckdb.connect(str(db), read_only=True)
    try:
        rows = con.execute(
            "SELECT a.url, o.url FROM articles a LEFT JOIN articles o "
            "ON o.article_id = a.duplicate_of ORDER BY a.url"
        ).fetchall()
        versions = con.execute("SELECT count(*) FROM article_versions").fetchone()
    finally:
        con.close()
    assert second.counts.articles_stored == 0 and versions == (2,)
    assert third.counts.copies_found == 1
    assert rows == [
        (loopback.url("/live"), None),
        (loopback.url("/syndicated/museum"), loopback.url("/live")),
    ]
