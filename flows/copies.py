"""Wiring for near-copy detection inside the store transaction.

For each article, in publication order: fingerprint (pure), candidate lookup through
the LSH bands in DuckDB (storage), the copy verdict (pure), then the article row, its
fingerprint and any re-pointing of its copy group (storage).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import duckdb

from newswatch.domain import Article, CopyMatch
from newswatch.extractors.copies import decide_copy, fingerprint_article
from newswatch.storage import articles as article_store
from newswatch.storage import copies as copy_store


@dataclass
class StoredBatch:
    """The copy verdict of every article inserted, and the stored articles re-pointed."""

    matches: dict[str, CopyMatch] = field(default_factory=dict)
    repointed: set[str] = field(default_factory=set)


def store_with_copy_detection(
    con: duckdb.DuckDBPyConnection,
    items: Sequence[tuple[Article, str | None, bool, str | None]],
    *,
    run_id: str,
) -> StoredBatch:
    """Insert (article, final_url, relevant, link_url) items not yet stored, with copy links."""
    out = StoredBatch()
    # One look-up for the batch; ids inserted below join it, so a URL twice in one
    # batch is stored once.
    stored = article_store.stored_article_ids(con, (item[0].article_id for item in items))
    for article, final_url, relevant, link_url in items:
        if article.article_id in stored:
            continue
        stored.add(article.article_id)
        fp = fingerprint_article(article)
        candidates = copy_store.find_copy_candidates(
            con, fp, article.declared_canonical_url, canonical_url=article.canonical_url
        )
        decision = decide_copy(article, fp, candidates)
        article_store.insert_article(
            con,
            article,
            copy=decision.match,
            content_hash=fp.content_hash,
            relevant=relevant,
            final_url=final_url,
            run_id=run_id,
            link_url=link_url,
        )
        copy_store.apply_copy_match(
            con,
            decision.match,
            fp,
            repoints=decision.repoints,
            declared_canonical_url=article.declared_canonical_url,
            new_article=True,
        )
        out.matches[article.article_id] = decision.match
        out.repointed.update(m.article_id for m in decision.repoints)
    return out
