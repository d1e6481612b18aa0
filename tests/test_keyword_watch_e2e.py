"""A keyword watch run by the core on a loopback site: one alert per new story.

The site carries two stories that match the query (one of them syndicated twice, with a
new headline and a line added), one page that matches only a negated phrase, and one
unrelated page. The watch alerts twice, once per story; a later run with a third copy
adds a source and sends nothing.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import duckdb

from newswatch.config import load_watch
from newswatch.core import run_watch
from tests.support.loopback import LoopbackServer, Reply
from tests.support.newssite import article_html

PUBLISHED = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
CORRIDOR = (
    "Ships carrying grain left Odesa on Monday through the Black Sea corridor. "
    "Port officials said twelve vessels sailed before noon and more were waiting. "
    "Insurers lowered their premiums after a quiet week on the route. "
    "Traders said exports could reach last year's level if the corridor stays open."
)
WHEAT = (
    "Wheat shipments across the Black Sea rose for a third month, customs data showed. "
    "Egypt and Turkey bought most of the cargoes, traders said on Tuesday. "
    "Analysts expect the pace to slow when the harvest ends in the south."
)
PRICES = (
    "Black Sea grain pushed bread and food prices down in Cairo markets this month. "
    "Bakers said flour was cheaper than at any time since the war began."
)
OTHER = (
    "The city council approved four new cycle lanes on Wednesday after a long debate. "
    "Work on the first lane starts in spring, a spokeswoman said."
)
PAGES = {
    "/a/corridor.html": ("Grain ships sail through Black Sea corridor", CORRIDOR),
    "/b/corridor-copy.html": ("Corridor busy again as grain ships sail", CORRIDOR),
    "/a/wheat.html": ("Black Sea wheat exports rise", WHEAT),
    "/a/prices.html": ("Bread gets cheaper in Cairo", PRICES),
    "/a/cycle-lanes.html": ("Council approves cycle lanes", OTHER),
}
WATCH = """
name = "black-sea-grain"
[[sources]]
kind = "rss"
url = "{feed}"
[match]
query = '"Black Sea" AND (grain OR wheat*) NOT "food prices"'
[fetch]
allow_private_hosts = true
retries = 0
"""


def _serve(server: LoopbackServer, paths: list[str]) -> None:
    items = []
    for n, path in enumerate(paths):
        title, text = PAGES[path]
        published = PUBLISHED + timedelta(minutes=10 * n)
        page = article_html(title, text, published)
        server.routes[path] = lambda req, page=page: Reply(200, page, {"Content-Type": "text/html"})
        items.append(
            f"<item><title>{title}</title><link>{server.url(path)}</link>"
            f"<pubDate>{format_datetime(published)}</pubDate></item>"
        )
    feed = (
        "<?xml version='1.0'?><rss version='2.0'><channel><title>Wire</title>"
        f"<link>{server.base_url}/</link><description>x</description>{''.join(items)}"
        "</channel></rss>"
    ).encode()
    server.routes["/feed.xml"] = lambda req: Reply(
        200, feed, {"Content-Type": "application/rss+xml"}
    )
    server.routes["/robots.txt"] = lambda req: Reply(404, b"")


def _rows(db: Path, sql: str) -> list[tuple[object, ...]]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_a_keyword_watch_alerts_once_per_story(tmp_path: Path, loopback: LoopbackServer) -> None:
    watch_file = tmp_path / "grain.toml"
    watch_file.write_text(WATCH.format(feed=loopback.url("/feed.xml")))
    watch = load_watch(watch_file)
    db = tmp_path / "news.duckdb"
    clock = lambda: PUBLISHED + timedelta(hours=2)  # noqa: E731
    _serve(loopback, ["/a/cycle-lanes.html"])
    run_watch(watch, db, alerts_enabled=True, clock=clock)  # the silent first run
    _serve(loopback, ["/a/corridor.html", "/a/wheat.html", "/a/prices.html", "/a/cycle-lanes.html"])
    run_watch(watch, db, alerts_enabled=True, clock=clock)

    stories = _rows(db, "SELECT event_type, summary FROM events ORDER BY summary")
    assert stories == [
        ("story", "Black Sea wheat exports rise"),
        ("story", "Grain ships sail through Black Sea corridor"),
    ]
    assert _rows(db, "SELECT count(*) FROM alerts WHERE channel = 'console' AND kind = 'new'") == [
        (2,)
    ]

    # A syndicated copy of the corridor story arrives: a second source, no new alert.
    _serve(loopback, ["/b/corridor-copy.html"])
    run_watch(watch, db, alerts_enabled=True, clock=clock)
    assert _rows(db, "SELECT count(*) FROM events") == [(2,)]
    assert _rows(db, "SELECT count(*) FROM alerts WHERE channel = 'console'") == [(2,)]
    assert _rows(
        db,
        "SELECT count(*) FROM event_mentions m JOIN events e USING (event_id) "
        "WHERE e.summary LIKE 'Grain ships%'",
    ) == [(2,)]
