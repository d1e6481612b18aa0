"""SQL behind re-deciding copies in `newswatch reprocess`: mention flags.

The look-ups are the store stage's own (`storage.copies.find_batch_copy_candidates`,
`copy_group_rows`); these are the writes a reprocess adds, each one statement per job (new fingerprints
are `storage.copies.replace_fingerprints`, which a run uses for new versions too).
"""

from __future__ import annotations

from collections.abc import Sequence

import duckdb

from newswatch.storage.db import in_list


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
