"""Boilerplate learned per site: paragraph fingerprints counted per host (tables
`site_boilerplate` and `site_boilerplate_pages`; the logic is in extractors/clean_site.py)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

import duckdb

from newswatch.extractors.clean_site import (
    MIN_PAGES_FOR_BOILERPLATE,
    Fingerprint,
    PageObservation,
)

_REPEATED = """
SELECT host, list(fingerprint)
FROM site_boilerplate
WHERE host IN (SELECT unnest(?::VARCHAR[])) AND pages >= ?
GROUP BY host
"""

_PAGE_SEEN = "SELECT count(*) FROM site_boilerplate_pages WHERE host = ? AND page_key = ?"
_ADD_PAGE = "INSERT INTO site_boilerplate_pages (host, page_key, seen_at) VALUES (?, ?, ?)"
# One statement per page: its fingerprints are distinct, so each row of the insert meets
# at most one existing row.
_COUNT_PAGE = """
INSERT INTO site_boilerplate AS b (host, fingerprint, pages, last_seen_at)
SELECT ?, unnest(?::BIGINT[]), 1, ?
ON CONFLICT (host, fingerprint) DO UPDATE SET
    pages = b.pages + 1,
    last_seen_at = excluded.last_seen_at
"""


def load_repeated_paragraphs(
    con: duckdb.DuckDBPyConnection,
    hosts: Iterable[str],
    min_pages: int = MIN_PAGES_FOR_BOILERPLATE,
) -> dict[str, frozenset[Fingerprint]]:
    """For each of `hosts` that has any: fingerprints seen on at least `min_pages` of its pages."""
    wanted = sorted({h for h in hosts if h})
    if not wanted:
        return {}
    rows = con.execute(_REPEATED, [wanted, min_pages]).fetchall()
    return {str(host): frozenset(int(f) for f in prints) for host, prints in rows}


def save_observations(
    con: duckdb.DuckDBPyConnection, observations: Iterable[PageObservation | None], now: datetime
) -> int:
    """Count each observed page once per host; returns how many pages were new."""
    counted = 0
    batch: Mapping[tuple[str, int], PageObservation] = {
        (o.host, o.page_key): o for o in observations if o is not None and o.fingerprints
    }
    for (host, page_key), observation in batch.items():
        row = con.execute(_PAGE_SEEN, [host, page_key]).fetchone()
        if row and row[0]:
            continue
        con.execute(_ADD_PAGE, [host, page_key, now])
        con.execute(_COUNT_PAGE, [host, sorted(observation.fingerprints), now])
        counted += 1
    return counted
