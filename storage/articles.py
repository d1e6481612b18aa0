"""Articles: idempotent saves keyed by canonical URL."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import duckdb

from newswatch.domain import Article, CopyMatch
from newswatch.storage.db import in_list


def stored_article_ids(con: duckdb.DuckDBPyConnection, article_ids: Iterable[str]) -> set[str]:
    """Which of these article ids are stored (one query for a whole batch)."""
    ids = list(dict.fromkeys(article_ids))
    if not ids:
        return set()
    rows = con.execute(
        f"SELECT article_id FROM articles WHERE article_id IN ({in_list(ids)})"
    ).fetchall()
    return {r[0] for r in rows}


@dataclass(frozen=True)
class NewArticleRow:
    """An article known not to be stored, with what the store stage decided about it."""

    article: Article
    copy: CopyMatch
    content_hash: str | None
    relevant: bool
    final_url: str | None
    run_id: str
    link_url: str | None = None


_ARTICLE_COLUMNS = (
    ("article_id", "VARCHAR"),
    ("url", "VARCHAR"),
    ("canonical_url", "VARCHAR"),
    ("source", "VARCHAR"),
    ("title", "VARCHAR"),
    ("published_at", "TIMESTAMPTZ"),
    ("fetched_at", "TIMESTAMPTZ"),
    ("language", "VARCHAR"),
    ("text", "VARCHAR"),
    ("relevant", "BOOLEAN"),
    ("duplicate_of", "VARCHAR"),
    ("final_url", "VARCHAR"),
    ("author", "VARCHAR"),
    ("site_name", "VARCHAR"),
    ("page_kind", "VARCHAR"),
    ("published_source", "VARCHAR"),
    ("filler_text", "VARCHAR"),
    ("filler_reason", "VARCHAR"),
    ("content_hash", "VARCHAR"),
    ("copy_method", "VARCHAR"),
    ("copy_similarity", "DOUBLE"),
    ("run_id", "VARCHAR"),
    ("link_url", "VARCHAR"),
)


def _values(row: NewArticleRow) -> tuple[object, ...]:
    article, copy = row.article, row.copy
    return (
        article.article_id,
        article.url,
        article.canonical_url,
        article.source,
        article.title,
        article.published_at,
        article.fetched_at,
        article.language,
        article.text,
        row.relevant,
        copy.duplicate_of,
        row.final_url,
        article.author,
        article.site_name,
        article.page_kind,
        article.published_source,
        article.filler_text,
        article.filler_reason,
        row.content_hash,
        copy.method,
        copy.similarity,
        row.run_id,
        row.link_url,
    )


def insert_articles(con: duckdb.DuckDBPyConnection, rows: Sequence[NewArticleRow]) -> None:
    """Insert a batch of articles in one statement (the caller checked none is stored).

    Column lists unnested side by side: one statement per batch, where `executemany`
    would run one per row.
    """
    if not rows:
        return
    columns = list(zip(*(_values(row) for row in rows), strict=True))
    names = ", ".join(name for name, _ in _ARTICLE_COLUMNS)
    selects = ", ".join(f"unnest(?::{kind}[])" for _, kind in _ARTICLE_COLUMNS)
    con.execute(f"INSERT INTO articles ({names}) SELECT {selects}", [list(col) for col in columns])


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


def duplicate_of_map(
    con: duckdb.DuckDBPyConnection, article_ids: Iterable[str]
) -> dict[str, str | None]:
    """The stored `duplicate_of` of each given article."""
    ids = list(dict.fromkeys(article_ids))
    if not ids:
        return {}
    rows = con.execute(
        "SELECT article_id, duplicate_of FROM articles WHERE article_id IN (SELECT unnest(?::VARCHAR[]))",
        [ids],
    ).fetchall()
    return {r[0]: r[1] for r in rows}
