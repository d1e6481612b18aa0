"""Fetched pages kept for re-reading, article versions and the re-check schedule.

The HTML of every page that became (or could become) an article is stored zlib-compressed
with its response headers, so `newswatch reprocess` re-derives clean text, copies and
events offline; `prune_raw_pages` applies the retention policy (days and/or total size).
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import duckdb

from newswatch.domain import CandidateLink, FetchedPage, stable_id
from newswatch.extractors.versions import ChangedParts, RecheckState

# zlib level 1: 4.3x smaller than the HTML at 3.5 ms a page, where level 6 gives 5.1x at
# 10 ms (bench/bench_raw_pages.py on 181 real pages): the run's CPU matters more.
COMPRESSION_LEVEL = 1
_RAW_COLUMNS = (
    ("page_id", "VARCHAR"),
    ("article_id", "VARCHAR"),
    ("url", "VARCHAR"),
    ("canonical_url", "VARCHAR"),
    ("final_url", "VARCHAR"),
    ("fetched_at", "TIMESTAMPTZ"),
    ("http_status", "INTEGER"),
    ("headers", "VARCHAR"),
    ("html_zlib", "BLOB"),
    ("html_bytes", "INTEGER"),
    ("stored_bytes", "INTEGER"),
    ("source", "VARCHAR"),
    ("link_title", "VARCHAR"),
    ("link_published_at", "TIMESTAMPTZ"),
    ("watch", "VARCHAR"),
)


def page_id_for(page: FetchedPage) -> str:
    fetched = page.fetched_at.isoformat() if page.fetched_at else ""
    return stable_id(page.link.canonical_url, fetched)


def save_raw_pages(
    con: duckdb.DuckDBPyConnection,
    pages: Sequence[FetchedPage],
    article_ids: dict[str, str],
    watch: str,
    now: datetime,
) -> int:
    """Store the HTML of fetched pages (compressed, with headers); returns how many are new.

    `article_ids` maps a page's canonical link URL to the article it became.
    """
    rows = []
    for page in pages:
        if page.html is None or page.status != "ok":
            continue
        raw = page.html.encode("utf-8")
        packed = zlib.compress(raw, COMPRESSION_LEVEL)
        rows.append(
            [
                page_id_for(page),
                article_ids.get(page.link.canonical_url),
                page.link.url,
                page.link.canonical_url,
                page.final_url,
                page.fetched_at or now,
                page.http_status,
                json.dumps([list(h) for h in page.headers]),
                packed,
                len(raw),
                len(packed),
                page.link.source,
                page.link.title,
                page.link.published_at,
                watch,
            ]
        )
    if not rows:
        return 0
    # Column lists unnested side by side: one statement per batch (executemany runs one
    # per row, several times slower for blobs).
    names = ", ".join(name for name, _ in _RAW_COLUMNS)
    selects = ", ".join(f"unnest(?::{kind}[])" for _, kind in _RAW_COLUMNS)
    columns = [list(col) for col in zip(*rows, strict=True)]
    inserted = con.execute(
        f"INSERT INTO raw_pages ({names}) SELECT {selects} ON CONFLICT DO NOTHING "
        "RETURNING page_id",
        columns,
    ).fetchall()
    return len(inserted)


@dataclass(frozen=True)
class StoredPage:
    """A kept page, ready to be cleaned again."""

    page_id: str
    article_id: str | None
    page: FetchedPage


def iter_raw_pages(
    con: duckdb.DuckDBPyConnection,
    *,
    watch: str | None = None,
    since: datetime | None = None,
    after_page_id: str | None = None,
    batch: int = 200,
) -> Iterator[list[StoredPage]]:
    """Kept pages in fetch order, a batch at a time (resumable from `after_page_id`)."""
    where = ["1 = 1"]
    params: list[object] = []
    if watch:
        where.append("watch = ?")
        params.append(watch)
    if since:
        where.append("fetched_at >= ?")
        params.append(since)
    cursor: tuple[datetime, str] | None = None
    if after_page_id:
        row = con.execute(
            "SELECT fetched_at, page_id FROM raw_pages WHERE page_id = ?", [after_page_id]
        ).fetchone()
        cursor = (row[0], row[1]) if row else None
    while True:
        page_where = list(where)
        page_params = list(params)
        if cursor:
            page_where.append("(fetched_at, page_id) > (?, ?)")
            page_params.extend(cursor)
        rows = con.execute(
            "SELECT page_id, article_id, url, final_url, fetched_at, http_status, headers, "
            "html_zlib, source, link_title, link_published_at, canonical_url FROM raw_pages "
            f"WHERE {' AND '.join(page_where)} ORDER BY fetched_at, page_id LIMIT ?",
            [*page_params, batch],
        ).fetchall()
        if not rows:
            return
        yield [_stored_page(r) for r in rows]
        cursor = (rows[-1][4], rows[-1][0])


def _stored_page(r: tuple[Any, ...]) -> StoredPage:
    link = CandidateLink(
        url=str(r[2]),
        canonical_url=str(r[11]),
        source=str(r[8] or "reprocess"),
        title=r[9] if isinstance(r[9], str) else None,
        published_at=r[10] if isinstance(r[10], datetime) else None,
    )
    headers = tuple((str(k), str(v)) for k, v in json.loads(str(r[6] or "[]")))
    html = zlib.decompress(bytes(r[7])).decode("utf-8")
    page = FetchedPage(
        link=link,
        status="ok",
        final_url=r[3] if isinstance(r[3], str) else None,
        http_status=r[5] if isinstance(r[5], int) else None,
        html=html,
        headers=headers,
        fetched_at=r[4] if isinstance(r[4], datetime) else None,
    )
    return StoredPage(
        page_id=str(r[0]), article_id=r[1] if isinstance(r[1], str) else None, page=page
    )


def latest_raw_html(con: duckdb.DuckDBPyConnection, article_ids: Sequence[str]) -> dict[str, str]:
    """The HTML of the latest kept fetch of each of these articles that has one."""
    if not article_ids:
        return {}
    rows = con.execute(
        "SELECT article_id, arg_max(html_zlib, fetched_at) FROM raw_pages "
        "WHERE article_id IN (SELECT unnest(?::VARCHAR[])) GROUP BY article_id",
        [list(article_ids)],
    ).fetchall()
    return {str(a): zlib.decompress(bytes(b)).decode("utf-8") for a, b in rows}


def prune_raw_pages(
    con: duckdb.DuckDBPyConnection,
    now: datetime,
    *,
    keep_days: int | None,
    keep_bytes: int | None,
) -> int:
    """Delete kept pages older than `keep_days`, then the oldest beyond `keep_bytes`."""
    deleted = 0
    if keep_days is not None:
        row = con.execute(
            "DELETE FROM raw_pages WHERE fetched_at < ? RETURNING page_id",
            [now - timedelta(days=keep_days)],
        ).fetchall()
        deleted += len(row)
    if keep_bytes is not None:
        rows = con.execute(
            """
            DELETE FROM raw_pages WHERE page_id IN (
                SELECT page_id FROM (
                    SELECT page_id, sum(stored_bytes) OVER (
                        ORDER BY fetched_at DESC, page_id DESC) AS running
                    FROM raw_pages)
                WHERE running > ?)
            RETURNING page_id
            """,
            [keep_bytes],
        ).fetchall()
        deleted += len(rows)
    return deleted


def raw_storage_bytes(con: duckdb.DuckDBPyConnection) -> tuple[int, int, int]:
    """(pages, HTML bytes, stored bytes) of the kept pages."""
    row = con.execute(
        "SELECT count(*), coalesce(sum(html_bytes), 0), coalesce(sum(stored_bytes), 0) FROM raw_pages"
    ).fetchone()
    return (int(row[0]), int(row[1]), int(row[2])) if row else (0, 0, 0)


# ---------------------------------------------------------------- versions


def latest_version(con: duckdb.DuckDBPyConnection, article_id: str) -> tuple[int, str] | None:
    row = con.execute(
        "SELECT version, text_hash FROM article_versions WHERE article_id = ? "
        "ORDER BY version DESC LIMIT 1",
        [article_id],
    ).fetchone()
    return (int(row[0]), str(row[1])) if row else None


def record_version(
    con: duckdb.DuckDBPyConnection,
    article_id: str,
    *,
    text_hash: str,
    fetched_at: datetime,
    changes: ChangedParts,
    page_id: str | None,
) -> int:
    """Add the next version of an article; returns its number (1 for the first)."""
    latest = latest_version(con, article_id)
    version = 1 if latest is None else latest[0] + 1
    con.execute(
        "INSERT INTO article_versions (article_id, version, text_hash, fetched_at, added_parts, "
        "removed_parts, page_id) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [
            article_id,
            version,
            text_hash,
            fetched_at,
            list(changes.added),
            list(changes.removed),
            page_id,
        ],
    )
    return version


# ---------------------------------------------------------------- re-checks


@dataclass(frozen=True)
class Recheck:
    """A stored page due to be looked at again, with its conditional-GET validators."""

    url: str
    etag: str | None
    last_modified: str | None
    state: RecheckState


@dataclass(frozen=True)
class RecheckRow:
    """The re-check schedule of one page after a fetch."""

    url: str
    etag: str | None
    last_modified: str | None
    state: RecheckState
    next_check_at: datetime | None


def load_rechecks(
    con: duckdb.DuckDBPyConnection, watch: str, urls: Sequence[str]
) -> dict[str, Recheck]:
    """The schedule rows of these pages (canonical link URLs) that have one."""
    if not urls:
        return {}
    rows = con.execute(
        "SELECT url, etag, last_modified, first_seen_at, published_at, interval_seconds "
        "FROM article_rechecks WHERE watch = ? AND url IN (SELECT unnest(?::VARCHAR[]))",
        [watch, list(urls)],
    ).fetchall()
    return {r[0]: _recheck(r) for r in rows}


def _recheck(r: tuple[Any, ...]) -> Recheck:
    return Recheck(
        url=r[0],
        etag=r[1],
        last_modified=r[2],
        state=RecheckState(
            first_seen_at=r[3], published_at=r[4], interval=timedelta(seconds=float(r[5]))
        ),
    )


def save_rechecks(con: duckdb.DuckDBPyConnection, watch: str, rows: Sequence[RecheckRow]) -> None:
    """Upsert schedule rows (validators kept when a fetch brought none), in one statement."""
    if not rows:
        return
    columns = [
        [r.url for r in rows],
        [r.etag for r in rows],
        [r.last_modified for r in rows],
        [r.state.first_seen_at for r in rows],
        [r.state.published_at for r in rows],
        [r.state.interval.total_seconds() for r in rows],
        [r.next_check_at for r in rows],
    ]
    con.execute(
        """
        INSERT INTO article_rechecks (url, watch, etag, last_modified, first_seen_at,
            published_at, interval_seconds, next_check_at)
        SELECT u, ?, e, l, f, p, i, n FROM (
            SELECT unnest(?::VARCHAR[]) AS u, unnest(?::VARCHAR[]) AS e,
                   unnest(?::VARCHAR[]) AS l, unnest(?::TIMESTAMPTZ[]) AS f,
                   unnest(?::TIMESTAMPTZ[]) AS p, unnest(?::DOUBLE[]) AS i,
                   unnest(?::TIMESTAMPTZ[]) AS n)
        ON CONFLICT (watch, url) DO UPDATE SET
            etag = coalesce(excluded.etag, article_rechecks.etag),
            last_modified = coalesce(excluded.last_modified, article_rechecks.last_modified),
            published_at = coalesce(excluded.published_at, article_rechecks.published_at),
            interval_seconds = excluded.interval_seconds,
            next_check_at = excluded.next_check_at
        """,
        [watch, *columns],
    )


def due_rechecks(
    con: duckdb.DuckDBPyConnection, watch: str, now: datetime, limit: int
) -> list[Recheck]:
    """Pages whose next look is due, the most overdue first."""
    rows = con.execute(
        "SELECT url, etag, last_modified, first_seen_at, published_at, interval_seconds "
        "FROM article_rechecks WHERE watch = ? AND next_check_at <= ? "
        "ORDER BY next_check_at LIMIT ?",
        [watch, now, limit],
    ).fetchall()
    return [_recheck(r) for r in rows]


@dataclass(frozen=True)
class StoredText:
    """An article's current main text and its hash."""

    content_hash: str | None
    text: str
    fetched_at: datetime | None


def current_texts(
    con: duckdb.DuckDBPyConnection, article_ids: Sequence[str]
) -> dict[str, StoredText]:
    if not article_ids:
        return {}
    rows = con.execute(
        "SELECT article_id, content_hash, text, fetched_at FROM articles "
        "WHERE article_id IN (SELECT unnest(?::VARCHAR[]))",
        [list(article_ids)],
    ).fetchall()
    return {r[0]: StoredText(r[1], r[2] or "", r[3]) for r in rows}


def save_new_text(
    con: duckdb.DuckDBPyConnection,
    article_id: str,
    *,
    text: str,
    title: str | None,
    content_hash: str,
    fetched_at: datetime | None,
    published_at: datetime | None = None,
) -> None:
    """The article now reads as its newest version.

    A newer publication date (a bulletin's new edition, a live page re-dated by its
    publisher) becomes the article's: its new contacts are news as of that date.
    """
    con.execute(
        "UPDATE articles SET text = ?, title = coalesce(?, title), content_hash = ?, "
        "fetched_at = coalesce(?, fetched_at), "
        "published_at = CASE WHEN ? > published_at OR published_at IS NULL "
        "THEN ? ELSE published_at END WHERE article_id = ?",
        [text, title, content_hash, fetched_at, published_at, published_at, article_id],
    )


def link_raw_pages(con: duckdb.DuckDBPyConnection, links: Sequence[tuple[str, str]]) -> None:
    """Tie kept pages to the articles they became: (link canonical URL, article id)."""
    if not links:
        return
    con.execute(
        """
        UPDATE raw_pages SET article_id = q.a
        FROM (SELECT unnest(?::VARCHAR[]) AS u, unnest(?::VARCHAR[]) AS a) AS q
        WHERE raw_pages.canonical_url = q.u AND raw_pages.article_id IS NULL
        """,
        [[u for u, _ in links], [a for _, a in links]],
    )
