"""SQL behind re-deciding copies in `newswatch reprocess`: fingerprints and mention flags.

The look-ups are the store stage's own (`storage.copies.find_batch_copy_candidates`,
`copy_group_rows`); these are the writes a reprocess adds, each one statement per job.
"""

from __future__ import annotations

from collections.abc import Sequence

import duckdb

from newswatch.storage.copies import CopyProbe, insert_fingerprints
from newswatch.storage.db import in_list


def replace_fingerprints(con: duckdb.DuckDBPyConnection, probes: Sequence[CopyProbe]) -> None:
    """Store these articles' new content hashes, signatures and band buckets."""
    if not probes:
        return
    con.execute(
        "UPDATE articles SET content_hash = q.content_hash FROM (SELECT "
        "unnest(?::VARCHAR[]) AS article_id, unnest(?::VARCHAR[]) AS content_hash) AS q "
        "WHERE articles.article_id = q.article_id",
        [[p.article_id for p in probes], [p.fingerprint.content_hash for p in probes]],
    )
    ids = in_list(p.article_id for p in probes)
    con.execute(f"DELETE FROM article_signatures WHERE article_id IN ({ids})")
    # One scan of the band table for the whole job (it has no index on article_id).
    con.execute(f"DELETE FROM article_bands WHERE article_id IN ({ids})")
    insert_fingerprints(con, probes)


def sync_copy_flags(con: duckdb.DuckDBPyConnection, article_ids: Sequence[str]) -> None:
    """Mark these articles' mentions as copies exactly when the article is one now."""
    if not article_ids:
        return
    con.execute(
        "UPDATE event_mentions SET is_copy = (a.duplicate_of IS NOT NULL) FROM articles a "
        "WHERE a.article_id = event_mentions.article_id "
        f"AND event_mentions.article_id IN ({in_list(article_ids)}) "
        "AND event_mentions.is_copy IS DISTINCT FROM (a.duplicate_of IS NOT NULL)"
    )
