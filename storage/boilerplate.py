"""Boilerplate learned per site: paragraph fingerprints counted per host (tables
`site_boilerplate` and `site_boilerplate_pages`; the logic is in extractors/clean_site.py)."""

from __future__ import annotations

from collections import Counter
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

_PAGES_SEEN = """
SELECT q.h, q.k FROM (SELECT unnest(?::VARCHAR[]) AS h, unnest(?::BIGINT[]) AS k) AS q
JOIN site_boilerplate_pages p ON p.host = q.h AND p.page_key = q.k
"""
_ADD_PAGES = """
INSERT INTO site_boilerplate_pages (host, page_key, seen_at)
SELECT unnest(?::VARCHAR[]), unnest(?::BIGINT[]), ?
"""
# One statement per batch: the batch's pages are counted per (host, fingerprint) first,
# so each row of the insert meets at most one existing row.
_COUNT_PAGES = """
INSERT INTO site_boilerplate AS b (host, fingerprint, pages, last_seen_at)
SELECT unnest(?::VARCHAR[]), unnest(?::BIGINT[]), unnest(?::INTEGER[]), ?
ON CONFLICT (host, fingerprint) DO UPDATE SET
    pages = b.pages + excluded.pages,
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
    batch: Mapping[tuple[str, int], PageObservation] = {
        (o.host, o.page_key): o for o in observations if o is not None and o.fingerprints
    }
    if not batch:
        return 0
    keys = list(batch)
    seen = {
        (str(h), int(k))
        for h, k in con.execute(
            _PAGES_SEEN, [[h for h, _ in keys], [k for _, k in keys]]
        ).fetchall()
    }
    new = [key for key in keys if key not in seen]
    if not new:
        return 0
    con.execute(_ADD_PAGES, [[h for h, _ in new], [k for _, k in new], now])
    counts: Counter[tuple[str, int]] = Counter(
        (host, fingerprint) for host, key in new for fingerprint in batch[(host, key)].fingerprints
    )
    con.execute(
        _COUNT_PAGES,
        [[h for h, _ in counts], [f for _, f in counts], list(counts.values()), now],
    )
    return len(new)
