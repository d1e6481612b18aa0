"""storage/sources.py on a real DuckDB file: validators, source health, fetch log, known URLs."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from newswatch.domain import CandidateLink, FetchedPage, SourceResult
from newswatch.storage.db import ensure_schema, read_session, write_session
from newswatch.storage.sources import (
    known_canonical_urls,
    load_source_states,
    save_fetches,
    save_source_results,
)

T0 = datetime(2025, 2, 12, 18, 0, tzinfo=UTC)
KINDS = {"feed": "rss", "api": "gdelt"}
FEED = "https://harbourtimes.example/feed"


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "test.duckdb"
    ensure_schema(path)
    return path


def _link(url: str) -> CandidateLink:
    return CandidateLink(url=url, canonical_url=url, source="feed")


def ok(etag: str | None = '"v1"', links: int = 2, url: str = FEED) -> SourceResult:
    return SourceResult(
        source="feed",
        url=url,
        links=tuple(_link(f"https://a.example/{i}") for i in range(links)),
        status="ok",
        http_status=200,
        etag=etag,
        last_modified="Wed, 12 Feb 2025 18:00:00 GMT" if etag else None,
    )


def failed(error: str = "HTTP 503 Service Unavailable", url: str = FEED) -> SourceResult:
    return SourceResult(source="feed", url=url, status="failed", error=error, http_status=503)


def save(db: Path, *results: SourceResult, at: datetime = T0) -> None:
    with write_session(db) as con:
        save_source_results(con, "w", results, KINDS, at)


def source_row(db: Path) -> dict[str, object]:
    with read_session(db) as con:
        cursor = con.execute("SELECT * FROM sources WHERE watch = 'w' AND source = 'feed'")
        names = [d[0] for d in cursor.description]
        row = cursor.fetchone()
    assert row is not None
    return dict(zip(names, row, strict=True))


def states(db: Path, watch: str = "w") -> dict:
    with read_session(db) as con:
        return load_source_states(con, watch)


def test_ok_result_stores_validators_and_success(db: Path) -> None:
    save(db, ok())
    (state,) = states(db).values()
    assert (state.source, state.url, state.etag) == ("feed", FEED, '"v1"')
    assert state.last_modified == "Wed, 12 Feb 2025 18:00:00 GMT"
    row = source_row(db)
    assert (
        row["kind"],
        row["last_status"],
        row["links_last_seen"],
        row["consecutive_failures"],
    ) == ("rss", "ok", 2, 0)
    assert row["last_success_at"] == T0 and row["last_error_at"] is None


def test_states_belong_to_their_watch(db: Path) -> None:
    save(db, ok())
    assert states(db, "another-watch") == {}


def test_not_modified_keeps_validators_and_counts_as_success(db: Path) -> None:
    save(db, ok(links=5))
    later = T0 + timedelta(hours=1)
    save(
        db,
        SourceResult(source="feed", url=FEED, status="not_modified", http_status=304, etag='"v2"'),
        at=later,
    )
    assert states(db)["feed"].etag == '"v1"'  # validators change on ok only
    row = source_row(db)
    assert (row["last_status"], row["last_success_at"], row["last_checked_at"]) == (
        "not_modified",
        later,
        later,
    )
    assert row["links_last_seen"] == 5  # the content behind a 304 did not change


def test_failures_count_up_keep_validators_and_reset_on_success(db: Path) -> None:
    save(db, ok())
    save(db, failed("HTTP 503 Service Unavailable"), at=T0 + timedelta(hours=1))
    save(db, failed("read timeout: no data for 20s"), at=T0 + timedelta(hours=2))
    row = source_row(db)
    assert (row["consecutive_failures"], row["last_status"]) == (2, "failed")
    assert (row["last_error"], row["last_error_at"]) == (
        "read timeout: no data for 20s",
        T0 + timedelta(hours=2),
    )
    assert (row["last_success_at"], row["links_last_seen"]) == (T0, 2)
    assert states(db)["feed"].etag == '"v1"'
    save(db, ok(etag='"v3"'), at=T0 + timedelta(hours=3))
    row = source_row(db)
    assert (row["consecutive_failures"], row["last_status"]) == (0, "ok")
    assert row["last_error"] == "read timeout: no data for 20s"  # history kept
    assert states(db)["feed"].etag == '"v3"'


def test_a_new_source_that_fails_is_recorded(db: Path) -> None:
    save(db, failed())
    row = source_row(db)
    assert (row["consecutive_failures"], row["etag"], row["last_success_at"]) == (1, None, None)


def test_ok_without_validators_clears_old_ones(db: Path) -> None:
    save(db, ok())
    save(db, ok(etag=None), at=T0 + timedelta(hours=1))
    state = states(db)["feed"]
    assert (state.etag, state.last_modified) == (None, None)


def test_validators_are_dropped_when_the_url_changes_under_a_failure(db: Path) -> None:
    save(db, ok())
    save(db, failed(url="https://harbourtimes.example/new-feed"), at=T0 + timedelta(hours=1))
    state = states(db)["feed"]
    assert (state.url, state.etag, state.last_modified) == (
        "https://harbourtimes.example/new-feed",
        None,
        None,
    )


def test_several_sources_in_one_call(db: Path) -> None:
    api = SourceResult(source="api", url="https://api.example/doc", status="ok")
    save(db, ok(), api)
    assert set(states(db)) == {"feed", "api"}
    with read_session(db) as con:
        kinds = dict(con.execute("SELECT source, kind FROM sources").fetchall())
    assert kinds == KINDS


def test_fetches_are_logged_per_page(db: Path) -> None:
    fetched_at = T0 + timedelta(minutes=5)
    pages = [
        FetchedPage(
            link=_link("https://a.example/1"),
            status="ok",
            final_url="https://a.example/1/",
            http_status=200,
            content_type="text/html",
            html="<html></html>",
            fetched_at=fetched_at,
            bytes_read=13,
            elapsed_ms=40,
        ),
        FetchedPage(
            link=_link("https://a.example/doc.pdf"),
            status="skipped",
            error="content type application/pdf",
        ),
    ]
    with write_session(db) as con:
        save_fetches(con, "run-1", pages)
    with read_session(db) as con:
        rows = con.execute(
            "SELECT run_id, url, final_url, status, http_status, error, bytes_read, elapsed_ms, fetched_at "
            "FROM fetches ORDER BY url"
        ).fetchall()
    assert rows[0] == (
        "run-1",
        "https://a.example/1",
        "https://a.example/1/",
        "ok",
        200,
        None,
        13,
        40,
        fetched_at,
    )
    assert rows[1][3:6] == ("skipped", None, "content type application/pdf")
    assert rows[1][8] is not None  # a page without a fetch time is stamped on save


def test_known_canonical_urls_finds_stored_articles_among_thousands(db: Path) -> None:
    stored = [f"https://a.example/story/{i}" for i in range(0, 5000, 7)]
    with write_session(db) as con:
        con.executemany(
            "INSERT INTO articles (article_id, url, canonical_url) VALUES (?, ?, ?)",
            [[str(i), url, url] for i, url in enumerate(stored)],
        )
    asked = [f"https://a.example/story/{i}" for i in range(5000)]
    with read_session(db) as con:
        started = time.perf_counter()
        known = known_canonical_urls(con, iter(asked))
        elapsed = time.perf_counter() - started
        assert known_canonical_urls(con, []) == set()
    assert known == set(stored)
    assert elapsed < 1.0  # one query, not one per URL
