"""Source state and fetch log: conditional-GET validators, source health, page outcomes."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime

import duckdb

from newswatch.domain import FetchedPage, SourceResult, SourceState

# One upsert per source. Validators change only on "ok" (a 304 or a failure says nothing
# new about the content), and are dropped when the source's URL changed under a failure,
# so the old URL's validators are never sent to the new one. A 304 is a success.
_UPSERT_SOURCE = """
INSERT INTO sources AS s (
    watch, source, kind, url, etag, last_modified, last_checked_at, last_success_at,
    last_error_at, last_error, last_status, consecutive_failures, links_last_seen, body_sha256
) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (watch, source) DO UPDATE SET
    kind = excluded.kind,
    etag = CASE
        WHEN excluded.last_status = 'ok' THEN excluded.etag
        WHEN s.url IS DISTINCT FROM excluded.url THEN NULL
        ELSE s.etag END,
    last_modified = CASE
        WHEN excluded.last_status = 'ok' THEN excluded.last_modified
        WHEN s.url IS DISTINCT FROM excluded.url THEN NULL
        ELSE s.last_modified END,
    body_sha256 = CASE
        WHEN excluded.last_status = 'ok' THEN excluded.body_sha256
        WHEN s.url IS DISTINCT FROM excluded.url THEN NULL
        ELSE s.body_sha256 END,
    url = excluded.url,
    last_checked_at = excluded.last_checked_at,
    last_success_at = coalesce(excluded.last_success_at, s.last_success_at),
    last_error_at = coalesce(excluded.last_error_at, s.last_error_at),
    last_error = CASE WHEN excluded.last_status = 'failed' THEN excluded.last_error
        ELSE s.last_error END,
    last_status = excluded.last_status,
    consecutive_failures = CASE WHEN excluded.last_status = 'failed'
        THEN s.consecutive_failures + 1 ELSE 0 END,
    links_last_seen = CASE WHEN excluded.last_status = 'ok' THEN excluded.links_last_seen
        ELSE s.links_last_seen END
"""

_INSERT_FETCH = """
INSERT INTO fetches (
    run_id, url, canonical_url, source, final_url, status, http_status, content_type,
    error, bytes_read, elapsed_ms, fetched_at
)
SELECT unnest(?::VARCHAR[]), unnest(?::VARCHAR[]), unnest(?::VARCHAR[]), unnest(?::VARCHAR[]),
       unnest(?::VARCHAR[]), unnest(?::VARCHAR[]), unnest(?::INTEGER[]), unnest(?::VARCHAR[]),
       unnest(?::VARCHAR[]), unnest(?::BIGINT[]), unnest(?::INTEGER[]), unnest(?::TIMESTAMPTZ[])
"""


def load_source_states(con: duckdb.DuckDBPyConnection, watch_name: str) -> dict[str, SourceState]:
    """The conditional-GET validators of every source of a watch, keyed by source key."""
    rows = con.execute(
        "SELECT source, url, etag, last_modified, body_sha256 FROM sources WHERE watch = ?",
        [watch_name],
    ).fetchall()
    return {
        source: SourceState(
            source=source, url=url or "", etag=etag, last_modified=last_modified, body_sha256=body
        )
        for source, url, etag, last_modified, body in rows
    }


def save_source_results(
    con: duckdb.DuckDBPyConnection,
    watch_name: str,
    results: Sequence[SourceResult],
    kinds: Mapping[str, str],
    checked_at: datetime,
) -> None:
    """Record each source's validators (on ok only) and health after a poll."""
    rows = []
    for result in results:
        ok = result.status in ("ok", "not_modified")
        failed = result.status == "failed"
        rows.append(
            [
                watch_name,
                result.source,
                kinds.get(result.source, "unknown"),
                result.url,
                result.etag if result.status == "ok" else None,
                result.last_modified if result.status == "ok" else None,
                checked_at,
                checked_at if ok else None,
                checked_at if failed else None,
                (result.error or "failed") if failed else None,
                result.status,
                1 if failed else 0,
                len(result.links) if result.status == "ok" else 0,
                result.body_sha256 if result.status == "ok" else None,
            ]
        )
    if rows:
        con.executemany(_UPSERT_SOURCE, rows)


def save_fetches(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    pages: Sequence[FetchedPage],
    *,
    now: datetime | None = None,
) -> None:
    """Log the outcome of every page fetch of a run (why a page is missing has an answer).

    `now` (the run's clock) stamps pages that carry no fetch time."""
    if not pages:
        return
    now = now or datetime.now(UTC)
    rows = [
        (
            run_id,
            page.link.url,
            page.link.canonical_url,
            page.link.source,
            page.final_url,
            page.status,
            page.http_status,
            page.content_type,
            page.error,
            page.bytes_read,
            page.elapsed_ms,
            page.fetched_at or now,
        )
        for page in pages
    ]
    # One statement for the batch (column lists side by side): executemany runs one per row.
    con.execute(_INSERT_FETCH, [list(column) for column in zip(*rows, strict=True)])


def known_canonical_urls(con: duckdb.DuckDBPyConnection, urls: Iterable[str]) -> set[str]:
    """Which of `urls` are already stored as an article's canonical URL (one query, hash join)."""
    wanted = list(dict.fromkeys(urls))
    if not wanted:
        return set()
    rows = con.execute(
        """
        SELECT a.canonical_url
        FROM articles AS a
        JOIN (SELECT unnest(?::VARCHAR[]) AS canonical_url) AS q USING (canonical_url)
        """,
        [wanted],
    ).fetchall()
    return {row[0] for row in rows}
