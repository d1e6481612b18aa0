"""A run against sources that misbehave on purpose: it finishes, keeps the good, explains the bad.

One loopback feed links to good pages and to every kind of broken page; two more feeds
are broken themselves. `newswatch run` must exit 0 within a bounded time, store every good
page (the 429 one after its retry, the windows-1252 one decoded right), store none of the
junk, record why each was refused, keep its memory small, and on a second run against the
unchanged feed send a conditional request and fetch no page again.
"""

from __future__ import annotations

import os
import socket
import struct
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from tests.support.loopback import LoopbackServer, Reply, Request
from tests.support.rawserver import RawServer, gzip_bomb

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
# The issue asks for "well under 1 GB". A run here peaks near 240 MB; one CI run of 4
# saw 605 MB, not reproduced since, so the budget leaves room for that and still fails
# on anything like a page or a bomb held whole in memory.
PEAK_MEMORY_BUDGET_MB = 700


def article_html(title: str, paragraphs: list[str], charset: str | None = "utf-8") -> str:
    meta = f'<meta charset="{charset}">' if charset else ""
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        f"<!doctype html><html lang='en'><head>{meta}<title>{title}</title>"
        f'<meta property="article:published_time" content="2025-03-04T10:00:00Z"></head>'
        f"<body><nav><a href='/'>Home</a></nav><article><h1>{title}</h1>{body}</article>"
        f"<footer>Copyright Example Gazette</footer></body></html>"
    )


GOOD_TEXT = [
    "The harbour board voted on Tuesday to extend the ferry timetable through the winter months.",
    "Board members said the longer schedule would help commuters who cross the bay before dawn.",
    "The extra sailings will be paid for by a small rise in parking charges at the terminal.",
    "Residents had asked for the change at three public meetings held over the summer.",
]
CAFE_TEXT = [
    "The new café on Quay Street — run by two former fishermen — opened its doors this weekend.",
    "“We wanted somewhere warm for the early shift,” said one of the owners, pouring coffee.",
    "The café serves breakfast from five in the morning and closes shortly after lunch.",
    "Neighbours said the smell of fresh bread had already changed the feel of the street.",
]


def feed(items: list[tuple[str, str]]) -> bytes:
    entries = "".join(
        f"<item><title>{t}</title><link>{u}</link><guid>{u}</guid>"
        f"<pubDate>Tue, 04 Mar 2025 10:00:00 +0000</pubDate></item>"
        for t, u in items
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Faults</title>'
        f"<link>http://example.org/</link><description>x</description>{entries}</channel></rss>"
    ).encode()


@pytest.fixture
def hostile_site() -> Iterator[tuple[LoopbackServer, RawServer, RawServer]]:
    def reset(conn: socket.socket) -> None:
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))

    def short(conn: socket.socket) -> None:
        conn.sendall(
            b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 5000\r\n\r\n<html>cut"
        )

    with LoopbackServer() as site, RawServer(reset) as resetter, RawServer(short) as shortener:
        yield site, resetter, shortener


def test_fault_run_keeps_the_good_pages_explains_the_bad_and_then_sends_conditional_requests(
    tmp_path: Path, hostile_site: tuple[LoopbackServer, RawServer, RawServer]
) -> None:
    site, resetter, shortener = hostile_site
    html = {"Content-Type": "text/html; charset=utf-8"}
    site.routes["/good-1"] = lambda _r: Reply(
        200, article_html("Ferry timetable", GOOD_TEXT).encode(), html
    )
    site.routes["/good-2"] = lambda _r: Reply(
        200,
        article_html(
            "Harbour vote", [p.replace("ferry", "night ferry") for p in GOOD_TEXT]
        ).encode(),
        html,
    )
    cafe = article_html("Café opens", CAFE_TEXT, charset=None).encode("windows-1252")
    site.routes["/cp1252"] = lambda _r: Reply(200, cafe, {"Content-Type": "text/html"})
    tries = {"n": 0}

    def rate_limited(_r: Request) -> Reply:
        tries["n"] += 1
        if tries["n"] == 1:
            return Reply(429, b"slow down", {"Retry-After": "1"})
        return Reply(
            200, article_html("Parking charges", [p.upper() for p in GOOD_TEXT]).encode(), html
        )

    site.routes["/429"] = rate_limited
    site.routes["/hang"] = lambda _r: Reply(200, b"late", html, delay=8)
    site.routes["/500"] = lambda _r: Reply(500, b"oops")
    site.routes["/404"] = lambda _r: Reply(404, b"gone")
    site.routes["/loop"] = lambda _r: Reply(302, b"", {"Location": "/loop"})
    huge = b"<html><body>" + b"<p>filler text</p>" * 1_800_000 + b"</body></html>"  # ~32 MB
    site.routes["/huge"] = lambda _r: Reply(200, huge, html)
    bomb = gzip_bomb(1 << 30)
    site.routes["/bomb"] = lambda _r: Reply(200, bomb, {**html, "Content-Encoding": "gzip"})
    site.routes["/pdf"] = lambda _r: Reply(
        200, b"%PDF-1.4\n" + b"0" * 5000, {"Content-Type": "application/pdf"}
    )
    links = [
        ("good one", site.url("/good-1")), ("good two", site.url("/good-2")), ("cp1252", site.url("/cp1252")),
        ("rate limited", site.url("/429")), ("hangs", site.url("/hang")), ("500", site.url("/500")),
        ("404", site.url("/404")), ("loop", site.url("/loop")), ("huge", site.url("/huge")),
        ("bomb", site.url("/bomb")), ("pdf", site.url("/pdf")), ("reset", resetter.url), ("short", shortener.url),
    ]  # fmt: skip
    body = feed(links)

    def good_feed(req: Request) -> Reply:
        if req.headers.get("If-None-Match") == '"v1"':
            return Reply(304, b"", {"ETag": '"v1"'})
        return Reply(200, body, {"Content-Type": "application/rss+xml", "ETag": '"v1"'})

    site.routes["/feed.xml"] = good_feed
    site.routes["/malformed.xml"] = lambda _r: Reply(
        200, b"<rss><channel><item><title>x", {"Content-Type": "application/xml"}
    )
    site.routes["/slow-feed.xml"] = lambda _r: Reply(
        200, body, {"Content-Type": "application/xml"}, delay=8
    )

    watch = tmp_path / "faults.toml"
    watch.write_text(
        f"""
name = "faults"
[[sources]]
kind = "rss"
name = "good-feed"
url = "{site.url("/feed.xml")}"
[[sources]]
kind = "rss"
name = "malformed-feed"
url = "{site.url("/malformed.xml")}"
[[sources]]
kind = "rss"
name = "slow-feed"
url = "{site.url("/slow-feed.xml")}"
[actors.a]
names = ["Alice Example"]
[actors.b]
names = ["Bob Sample"]
[events]
pair = ["a", "b"]
[fetch]
allow_private_hosts = true
connect_timeout = 2
read_timeout = 2
total_timeout = 4
retries = 2
retry_max_seconds = 4
max_bytes = 2000000
"""
    )
    db = tmp_path / "faults.duckdb"
    env = {**os.environ, "NEWSWATCH_HOME": str(tmp_path / "home")}
    # Run the CLI in a wrapper that reports the process's own peak memory (ru_maxrss, KB).
    wrapper = (
        "import resource, sys\n"
        "from newswatch.cli import main\n"
        "try:\n    code = main(sys.argv[1:])\n"
        "finally:\n    print('PEAK_KB', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)\n"
        "sys.exit(code)\n"
    )
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-c", wrapper, "run", "--watch", str(watch), "--db", str(db)],
        capture_output=True, text=True, env=env, timeout=300,
    )  # fmt: skip
    elapsed = time.monotonic() - started
    assert result.returncode == 0, result.stderr[-3000:]
    assert elapsed < 150, f"fault run took {elapsed:.0f}s"
    peak_mb = int(result.stderr.rsplit("PEAK_KB", 1)[1].split()[0]) / 1024
    assert peak_mb < PEAK_MEMORY_BUDGET_MB, f"peak memory {peak_mb:.0f} MB"

    con = duckdb.connect(str(db), read_only=True)
    try:
        stored = dict(con.execute("SELECT url, text FROM articles").fetchall())
        outcomes = dict(
            con.execute("SELECT url, status || ': ' || coalesce(error, '') FROM fetches").fetchall()
        )
        health = dict(con.execute("SELECT source, last_status FROM sources").fetchall())
    finally:
        con.close()
    good = {site.url(p) for p in ("/good-1", "/good-2", "/cp1252", "/429")}
    assert set(stored) == good, outcomes
    cafe_text = stored[site.url("/cp1252")]
    assert "café on Quay Street" in cafe_text and "“We wanted somewhere warm" in cafe_text
    assert outcomes[site.url("/pdf")].startswith("skipped") and "pdf" in outcomes[site.url("/pdf")]
    for path in ("/hang", "/500", "/404", "/loop"):
        assert outcomes[site.url(path)].startswith("failed"), (path, outcomes[site.url(path)])
    for url in (resetter.url, shortener.url):
        assert outcomes[url].startswith("failed"), outcomes[url]
    for path in ("/huge", "/bomb"):
        assert not outcomes[site.url(path)].startswith("ok"), (path, outcomes[site.url(path)])
    assert health == {"good-feed": "ok", "malformed-feed": "failed", "slow-feed": "failed"}

    # Second run against the unchanged feed: a conditional request, no page fetched again.
    before = len(site.requests)
    result = subprocess.run(
        [sys.executable, "-m", "newswatch", "run", "--watch", str(watch), "--db", str(db)],
        capture_output=True, text=True, env=env, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    later = site.requests[before:]
    feed_requests = [r for r in later if r.path == "/feed.xml"]
    assert feed_requests and feed_requests[0].headers.get("If-None-Match") == '"v1"'
    assert not [r for r in later if r.path in ("/good-1", "/good-2", "/cp1252", "/429")]
