"""The Google News id cache: each article id is asked of Google once.

A resolved id keeps its publisher URL for good; a failed one counts its attempts and is
asked again on later runs until `MAX_RESOLVE_ATTEMPTS`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

import duckdb

from newswatch.domain import LinkResolution

# Tries of one id over successive runs before it is left unresolved for good.
MAX_RESOLVE_ATTEMPTS = 3


def load_cached(
    con: duckdb.DuckDBPyConnection, tokens: Iterable[str]
) -> dict[str, tuple[LinkResolution, int]]:
    """token → (what is known of it, attempts so far) for the tokens in the cache."""
    wanted = list(dict.fromkeys(tokens))
    if not wanted:
        return {}
    rows = con.execute(
        "SELECT article_token, url, error, attempts FROM google_news_links "
        "WHERE article_token IN (SELECT unnest(?::VARCHAR[]))",
        [wanted],
    ).fetchall()
    return {r[0]: (LinkResolution(r[0], r[1], r[2]), int(r[3])) for r in rows}


def save_resolutions(
    con: duckdb.DuckDBPyConnection, resolutions: Sequence[LinkResolution], now: datetime
) -> None:
    """Upsert what this run learned: a URL for good, or one more failed attempt."""
    if not resolutions:
        return
    con.executemany(
        """
        INSERT INTO google_news_links AS g
            (article_token, url, status, error, attempts, first_seen_at, updated_at)
        VALUES (?, ?, ?, ?, 1, ?, ?)
        ON CONFLICT (article_token) DO UPDATE SET
            url = excluded.url,
            status = excluded.status,
            error = excluded.error,
            attempts = g.attempts + 1,
            updated_at = excluded.updated_at
        """,
        [
            [r.token, r.url, "resolved" if r.url else "failed", r.error, now, now]
            for r in resolutions
        ],
    )
