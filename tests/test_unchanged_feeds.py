"""Feeds that send no ETag or Last-Modified: an unchanged body is not read again, and a
source whose new links did not all fit in one run is read in full on the next.

Many news feeds answer every poll with 200 and the whole document; parsing a 5,000-item
feed costs seconds, which an idle scheduled run should not pay.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb

from newswatch.config import Watch, load_watch, parse_watch
from newswatch.core import run_watch
from newswatch.domain import SourceState
from newswatch.sources.poll import poll_sources
from tests.support.loopback import LoopbackServer, Reply
from tests.support.newssite import NewsSite, write_watch

RSS = (Path(__file__).parent / "fixtures" / "sources" / "rss.xml").read_bytes()


def feed_watch(url: str) -> Watch:
    """A watch of one loopback feed, "harbour"."""
    return parse_watch(
        f'name = "t"\n[[sources]]\nkind = "rss"\nname = "harbour"\nurl = "{url}"\n'
        '[actors.a]\nnames = ["A"]\n[actors.b]\nnames = ["B"]\n[events]\npair = ["a", "b"]\n'
        "[fetch]\nallow_private_hosts = true\nretries = 0\n"
    )


def _source_row(db: Path) -> tuple[object, ...]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        row = con.execute(
            "SELECT last_status, links_last_seen, body_sha256 FROM sources"
        ).fetchone()
    finally:
        con.close()
    assert row is not None
    return tuple(row)


def test_a_body_identical_to_the_last_one_read_is_not_modified(loopback: LoopbackServer) -> None:
    loopback.routes["/feed"] = lambda _r: Reply(200, RSS, {"Content-Type": "application/rss+xml"})
    url = loopback.url("/feed")
    digest = hashlib.sha256(RSS).hexdigest()
    harbour = feed_watch(url)

    (first,) = poll_sources(harbour, {})
    (again,) = poll_sources(harbour, {"harbour": SourceState("harbour", url, body_sha256=digest)})
    (changed,) = poll_sources(
        harbour, {"harbour": SourceState("harbour", url, body_sha256="0" * 64)}
    )
    (moved,) = poll_sources(
        harbour, {"harbour": SourceState("harbour", url + "?old", body_sha256=digest)}
    )

    assert (first.status, len(first.links), first.body_sha256) == ("ok", 3, digest)
    assert (again.status, again.http_status, again.links, again.body_sha256) == (
        "not_modified",
        200,
        (),
        digest,
    )
    assert (changed.status, len(changed.links)) == ("ok", 3)
    assert (moved.status, len(moved.links)) == ("ok", 3)  # another URL's hash is not used


def test_an_unchanged_feed_is_not_read_again_until_it_changes(
    tmp_path: Path, loopback: LoopbackServer
) -> None:
    site = NewsSite(loopback)
    site.add_stories(3)
    watch_file = load_watch(write_watch(tmp_path / "w.toml", site.feed_url))
    db = tmp_path / "db.duckdb"

    first = run_watch(watch_file, db, alerts_enabled=False)
    stored_hash = _source_row(db)[2]
    idle = run_watch(watch_file, db, alerts_enabled=False)
    idle_row = _source_row(db)
    site.add_stories(1)
    news = run_watch(watch_file, db, alerts_enabled=False)

    assert first.counts.articles_stored == 3 and isinstance(stored_hash, str)
    assert (idle.counts.links_found, idle.counts.articles_stored) == (0, 0)
    assert idle_row == ("not_modified", 3, stored_hash)
    assert (news.counts.links_found, news.counts.articles_stored) == (4, 1)
    assert _source_row(db)[0] == "ok" and _source_row(db)[2] != stored_hash


def test_links_left_for_later_runs_are_taken_although_the_feed_did_not_change(
    tmp_path: Path, loopback: LoopbackServer
) -> None:
    site = NewsSite(loopback)
    site.add_stories(5)
    path = write_watch(tmp_path / "w.toml", site.feed_url)
    path.write_text(
        path.read_text().replace("retries = 0\n", "retries = 0\nmax_pages_per_run = 2\n")
    )
    watch_file = load_watch(path)
    db = tmp_path / "db.duckdb"

    stored = [
        run_watch(watch_file, db, alerts_enabled=False).counts.articles_stored for _ in range(4)
    ]

    # Newest first: two, two, the last one; then the feed is known and not read again.
    assert stored == [2, 2, 1, 0]
    assert _source_row(db)[0] == "not_modified"


def test_a_page_that_failed_is_fetched_again_although_the_feed_did_not_change(
    tmp_path: Path, loopback: LoopbackServer
) -> None:
    site = NewsSite(loopback)
    site.add_stories(3)
    flaky = site.items[1].path
    working = loopback.routes[flaky]
    answers = iter([Reply(503, b"maintenance")])
    loopback.routes[flaky] = lambda req: next(answers, None) or working(req)
    watch_file = load_watch(write_watch(tmp_path / "w.toml", site.feed_url))
    db = tmp_path / "db.duckdb"

    first = run_watch(watch_file, db, alerts_enabled=False)
    second = run_watch(watch_file, db, alerts_enabled=False)
    third = run_watch(watch_file, db, alerts_enabled=False)

    assert (first.counts.articles_stored, first.counts.pages_failed) == (2, 1)
    assert (second.counts.articles_stored, second.counts.pages_failed) == (1, 0)
    assert third.counts.links_found == 0  # now complete: the unchanged feed is not read
