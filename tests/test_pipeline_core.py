"""The pipeline core without Prefect: `run_watch` on a loopback news site.

The core runs its stages in a fixed order through a stage runner (the Prefect flow fills
it with tasks), reads every "now" from the clock it is given, and stores the same thing
whether pages are cleaned in the run's process or on worker processes, in one chunk or
in many.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from newswatch.config import load_watch
from newswatch.core import run_watch
from newswatch.core.workers import MIN_PAGES_FOR_POOL
from tests.support.loopback import LoopbackServer
from tests.support.newssite import NewsSite, write_watch

FIXED = datetime(2025, 3, 20, 12, 0, tzinfo=UTC)


def _outcome(db: Path) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]], int]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        articles = con.execute(
            "SELECT a.canonical_url, a.title, a.relevant, o.canonical_url, a.copy_method "
            "FROM articles a LEFT JOIN articles o ON o.article_id = a.duplicate_of ORDER BY 1"
        ).fetchall()
        events = con.execute(
            "SELECT event_type, status, event_date, date_earliest, date_latest, "
            "independent_sources, copies FROM events ORDER BY ALL"
        ).fetchall()
        row = con.execute("SELECT count(*) FROM event_mentions").fetchone()
        return articles, events, int(row[0]) if row else 0
    finally:
        con.close()


def test_stages_run_in_order_through_the_stage_runner(
    tmp_path: Path, loopback: LoopbackServer
) -> None:
    site = NewsSite(loopback)
    site.add_stories(5)
    watch = load_watch(write_watch(tmp_path / "w.toml", site.feed_url, runtime="batch_size = 2"))
    called: list[str] = []

    def recording(stage: str, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
        called.append(stage)
        return fn(*args, **kwargs)

    summary = run_watch(watch, tmp_path / "db.duckdb", alerts_enabled=True, run_stage=recording)

    assert summary.counts.articles_stored == 5
    # Fetching, cleaning and storing overlap chunk by chunk inside one stage: a stage per
    # chunk would cost a Prefect task run per chunk.
    assert called == [
        "discover-links",
        "resolve-google-links",
        "select-new-links",
        "fetch-clean-store",
        "save-sources",
        "prune-archive",
        "deliver-alerts",
    ]
    # The three chunks share one HTTP client: robots.txt is asked once a run, not a chunk.
    assert [r.path for r in loopback.requests].count("/robots.txt") == 1


def test_every_now_of_a_run_comes_from_its_clock(tmp_path: Path, loopback: LoopbackServer) -> None:
    site = NewsSite(loopback)
    site.add_stories(4)
    watch = load_watch(write_watch(tmp_path / "w.toml", site.feed_url))
    db = tmp_path / "db.duckdb"

    summary = run_watch(watch, db, alerts_enabled=False, clock=lambda: FIXED)

    assert summary.run_id.startswith("20250320T120000Z-")
    con = duckdb.connect(str(db), read_only=True)
    try:
        run = con.execute("SELECT started_at, finished_at FROM runs").fetchall()
        checked = con.execute("SELECT DISTINCT last_checked_at FROM sources").fetchall()
        seen = con.execute("SELECT DISTINCT first_seen_at, updated_at FROM events").fetchall()
    finally:
        con.close()
    assert run == [(FIXED, FIXED)]
    assert checked == [(FIXED,)]
    assert seen == [(FIXED, FIXED)]


def test_worker_processes_and_many_chunks_store_what_one_process_stores(
    tmp_path: Path, loopback: LoopbackServer
) -> None:
    site = NewsSite(loopback)
    site.add_stories(MIN_PAGES_FOR_POOL + 5)  # enough for the pool to start
    inline = write_watch(tmp_path / "inline.toml", site.feed_url, runtime="clean_workers = 1")
    pooled = write_watch(
        tmp_path / "pooled.toml", site.feed_url, runtime="clean_workers = 2\nbatch_size = 7"
    )

    one = run_watch(load_watch(inline), tmp_path / "inline.duckdb", alerts_enabled=False)
    two = run_watch(load_watch(pooled), tmp_path / "pooled.duckdb", alerts_enabled=False)

    assert one.counts.articles_stored == two.counts.articles_stored == MIN_PAGES_FOR_POOL + 5
    assert two.counts.copies_found == one.counts.copies_found > 0
    assert _outcome(tmp_path / "pooled.duckdb") == _outcome(tmp_path / "inline.duckdb")
