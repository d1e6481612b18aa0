"""Sources polled before the run (core/prefetch.py): `newswatch run` polls them while its
temporary Prefect API starts, and the run takes what they gave.

A prefetch changes when the feeds are asked, never what a run stores: each feed is asked
once per run, a prefetch for another watch or database is not used, a failed one is
polled again, and one that cannot read the database at once is not started.
"""

from __future__ import annotations

import logging
from pathlib import Path

import duckdb
import pytest

from newswatch.config import Watch, load_watch
from newswatch.core import run_watch
from newswatch.core.pipeline import prefetch_discovery
from newswatch.core.prefetch import start_prefetch, take_prefetch
from newswatch.domain import SourceResult
from newswatch.storage import locks
from newswatch.storage.db import write_session
from newswatch.storage.locks import watch_run_lock
from tests.support.loopback import LoopbackServer
from tests.support.newssite import NewsSite, write_watch


def _feed_requests(server: LoopbackServer) -> int:
    return sum(1 for r in server.requests if r.path == "/feed.xml")


def _stored_urls(db: Path) -> list[str]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return [row[0] for row in con.execute("SELECT url FROM articles ORDER BY url").fetchall()]
    finally:
        con.close()


def _watch_of(tmp_path: Path, loopback: LoopbackServer, stories: int) -> Watch:
    """A watch of a loopback news site's feed, the site holding `stories` articles."""
    site = NewsSite(loopback)
    site.add_stories(stories)
    return load_watch(write_watch(tmp_path / "w.toml", site.feed_url))


def test_a_prefetched_run_asks_each_feed_once_and_stores_what_a_plain_run_stores(
    tmp_path: Path, loopback: LoopbackServer
) -> None:
    watch = _watch_of(tmp_path, loopback, 4)
    plain, early = tmp_path / "plain.duckdb", tmp_path / "early.duckdb"

    run_watch(watch, plain, alerts_enabled=False)
    asked_by_plain = _feed_requests(loopback)
    assert prefetch_discovery(watch, early)
    # Nothing is written before the run: the database file does not exist yet.
    assert not early.exists()
    summary = run_watch(watch, early, alerts_enabled=False)

    assert asked_by_plain == 1
    assert _feed_requests(loopback) == 2  # one for each run
    assert summary.counts.sources_ok == 1
    assert summary.counts.articles_stored == 4
    assert _stored_urls(early) == _stored_urls(plain)


def test_the_next_run_polls_with_the_validators_the_prefetch_read(
    tmp_path: Path, loopback: LoopbackServer
) -> None:
    watch = _watch_of(tmp_path, loopback, 2)
    db = tmp_path / "db.duckdb"
    run_watch(watch, db, alerts_enabled=False)

    assert prefetch_discovery(watch, db)
    summary = run_watch(watch, db, alerts_enabled=False)

    assert summary.counts.sources_ok == 1
    assert summary.counts.links_new == 0
    assert _feed_requests(loopback) == 2


def test_a_prefetch_for_another_watch_or_database_is_not_taken(
    tmp_path: Path, loopback: LoopbackServer
) -> None:
    watch = _watch_of(tmp_path, loopback, 2)
    other = load_watch(write_watch(tmp_path / "o.toml", loopback.url("/feed.xml"), name="other"))

    assert prefetch_discovery(other, tmp_path / "db.duckdb")
    summary = run_watch(watch, tmp_path / "db.duckdb", alerts_enabled=False)
    assert prefetch_discovery(watch, tmp_path / "elsewhere.duckdb")
    again = run_watch(watch, tmp_path / "db.duckdb", alerts_enabled=False)

    assert summary.counts.articles_stored == 2
    assert again.counts.sources_ok == 1
    # Each prefetch asked once, each run polled itself.
    assert _feed_requests(loopback) == 4
    assert take_prefetch(watch, tmp_path / "db.duckdb") is None


def test_a_failed_prefetch_is_polled_again_by_the_run(
    tmp_path: Path, loopback: LoopbackServer, caplog: pytest.LogCaptureFixture
) -> None:
    watch = _watch_of(tmp_path, loopback, 3)
    db = tmp_path / "db.duckdb"

    def broken() -> list[SourceResult]:
        raise RuntimeError("the prefetch thread broke")

    start_prefetch(watch, db, broken)
    with caplog.at_level(logging.WARNING, logger="newswatch.run"):
        summary = run_watch(watch, db, alerts_enabled=False)

    assert summary.counts.articles_stored == 3
    assert _feed_requests(loopback) == 1
    assert "polling the sources ahead of the run failed (RuntimeError)" in caplog.text


def test_a_skipped_run_drops_the_prefetch_it_was_for(
    tmp_path: Path, loopback: LoopbackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # NEWSWATCH_RUN_LOCK_WAIT, read when the module is imported: skip after 0.2 s, not 30.
    monkeypatch.setattr(locks, "RUN_LOCK_WAIT_SECONDS", 0.2)
    watch = _watch_of(tmp_path, loopback, 2)
    db = tmp_path / "db.duckdb"
    run_watch(watch, db, alerts_enabled=False)

    assert prefetch_discovery(watch, db)
    with watch_run_lock(str(db), watch.name):  # another run holds the watch
        skipped = run_watch(watch, db, alerts_enabled=False)

    assert skipped.skipped
    assert take_prefetch(watch, db) is None


def test_no_prefetch_starts_when_the_database_cannot_be_read_at_once(
    tmp_path: Path, loopback: LoopbackServer
) -> None:
    watch = _watch_of(tmp_path, loopback, 0)
    not_a_database = tmp_path / "notes.duckdb"
    not_a_database.write_text("a text file where the database should be\n")
    held = tmp_path / "held.duckdb"
    run_watch(watch, held, alerts_enabled=False)

    with write_session(held):  # this process writes the file: a read-only open must fail
        held_started = prefetch_discovery(watch, held)

    assert not prefetch_discovery(watch, not_a_database)
    assert not held_started
    assert take_prefetch(watch, held) is None
    assert _feed_requests(loopback) == 1  # the run's own poll only
