"""Articles: idempotent saves keyed by canonical URL."""

from __future__ import annotations

from collections.abc import Iterable

import duckdb

from newswatch.domain import Article, CopyMatch


def stored_article_ids(con: duckdb.DuckDBPyConnection, article_ids: Iterable[str]) -> set[str]:
    """Which of these article ids are stored (one query for a whole batch)."""
    ids = list(dict.fromkeys(article_ids))
    if not ids:
        return set()
    rows = con.execute(
        "SELECT article_id FROM articles WHERE article_id IN (SELECT unnest(?::VARCHAR[]))",
        [ids],
    ).fetchall()
    return {r[0] for r in rows}


def insert_article(
    con: duckdb.DuckDBPyConnection,
    article: Article,
    *,
    copy: CopyMatch,
    content_hash: str | None,
    relevant: bool,
    final_url: str | None,
    run_id: str,
    link_url: str | None = None,
) -> None:
    """Insert an article known not to be stored (the caller checked, in this transaction)."""
    con.execute(
        """
        INSERT INTO articles (
            article_id, url, canonical_url, source, title, published_at, fetched_at, language,
            text, relevant, duplicate_of, final_url, author, site_name, page_kind,
            published_source, filler_text, filler_reason, content_hash, copy_method,
            copy_similarity, run_id, link_url
        ) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """,
        [
            article.article_id,
            article.url,
            article.canonical_url,
            article.source,
            article.title,
            article.published_at,
            article.fetched_at,
            article.language,
            article.text,
            relevant,
            copy.duplicate_of,
            final_url,
            article.author,
            article.site_name,
            article.page_kind,
            article.published_source,
            article.filler_text,
            article.filler_reason,
            content_hash,
            copy.method,
            copy.similarity,
            run_id,
            link_url,
        ],
    )


def duplicate_of_map(
    con: duckdb.DuckDBPyConnection, article_ids: Iterable[str]
) -> dict[str, str | None]:
    """The stored `duplicate_of` of each given article (after any re-pointing)."""
    ids = list(dict.fromkeys(article_ids))
    if not ids:
        return {}
    rows = con.execute(
        "SELECT article_id, duplicate_of FROM articles WHERE article_id IN (SELECT unnest(?))",
        [ids],
    ).fetchall()
    return {r[0]: r[1] for r in rows}


def known_link_urls(con: duckdb.DuckDBPyConnection, urls: Iterable[str]) -> set[str]:
    """Which of these canonical link URLs lead to a stored article (by its link or its own URL)."""
    wanted = list(dict.fromkeys(urls))
    if not wanted:
        return set()
    rows = con.execute(
        """
        SELECT q.u FROM (SELECT unnest(?::VARCHAR[]) AS u) AS q
        WHERE q.u IN (SELECT canonical_url FROM articles)
           OR q.u IN (SELECT link_url FROM articles WHERE link_url IS NOT NULL)
        """,
        [wanted],
    ).fetchall()
    return {row[0] for row in rows}


def article_urls(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """article_id → the URL it was fetched from."""
    return {r[0]: r[1] for r in con.execute("SELECT article_id, url FROM articles").fetchall()}
