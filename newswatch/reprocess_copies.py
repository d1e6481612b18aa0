"""Copies decided again by `newswatch reprocess`, from the re-cleaned texts.

A run decides an article's copy link once, when it is stored, from the text it read then.
After re-cleaning, the reprocessed articles are fingerprinted again and their copy links
re-decided with the run's own code (`storage.copies.find_batch_copy_candidates`, then
`extractors.copy_batch.BatchCopyDetector`, the store stage's path), as if they were stored
again in the order they were first stored (fetch time, then id):

- the articles re-decided are the reprocessed ones plus every member of their current
  copy groups, so a group that no longer holds together splits (a run only ever joins
  groups); members that were not reprocessed keep their stored fingerprints;
- every other stored article is a candidate as stored, and may be re-pointed (a group
  that gains an earlier original), exactly as when a run stores a new article;
- an article is never a candidate of itself, so versions of one article (one row) are
  never copies of each other.

Groups and originals do not depend on the order of decision (extractors/copies.py), so a
second reprocess decides the same links and writes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime

import duckdb

from newswatch.domain import Article, CopyCandidate, CopyMatch
from newswatch.extractors.copies import fingerprint_article
from newswatch.extractors.copy_batch import BatchCopyDetector
from newswatch.extractors.fingerprint import Fingerprint, band_buckets, normalise_text
from newswatch.storage import copies as copy_store
from newswatch.storage.reprocess import articles_by_id

_NEVER = datetime.max.replace(tzinfo=UTC)


@dataclass(frozen=True)
class CopyChange:
    """An article whose original changed: URLs of the original before and after (None:
    the article is an original)."""

    article_url: str
    was_copy_of: str | None
    now_copy_of: str | None


@dataclass(frozen=True)
class CopiesRederived:
    """What re-deciding copies found."""

    # The copy link of every reprocessed article, as decided now.
    duplicate_of: dict[str, str | None]
    changes: tuple[CopyChange, ...]
    # Articles whose stored copy link changed (reprocessed or not).
    changed_ids: tuple[str, ...]

    @property
    def new_copies(self) -> int:
        return sum(1 for c in self.changes if c.was_copy_of is None)

    @property
    def no_longer_copies(self) -> int:
        return sum(1 for c in self.changes if c.now_copy_of is None)

    @property
    def repointed(self) -> int:
        return sum(1 for c in self.changes if c.was_copy_of and c.now_copy_of)


def fingerprints_of(articles: Sequence[Article]) -> dict[str, Fingerprint]:
    """Each reprocessed article's fingerprint from its (re-cleaned) text, as a run makes it."""
    return {a.article_id: fingerprint_article(a) for a in articles}


def _stored_fingerprint(article: Article, row: CopyCandidate) -> Fingerprint:
    """The fingerprint stored for an article that is not reprocessed (bands follow from it)."""
    signature = row.signature
    words = len(normalise_text(article.text).split())
    content_hash = row.content_hash or fingerprint_article(article).content_hash
    return Fingerprint(content_hash, signature, band_buckets(signature) if signature else (), words)


def _first_stored(article: Article) -> tuple[datetime, str]:
    fetched = article.fetched_at
    if fetched is not None and fetched.tzinfo is None:
        fetched = fetched.replace(tzinfo=UTC)
    return (fetched or _NEVER, article.article_id)


def rederive_copies(
    con: duckdb.DuckDBPyConnection,
    reprocessed: Sequence[Article],
    fingerprints: Mapping[str, Fingerprint],
) -> CopiesRederived:
    """Re-decide the copy links of these articles (their new texts) and of their groups."""
    ids = [a.article_id for a in reprocessed]
    before = copy_store.copy_group_rows(con, ids)
    mine = set(ids)
    others = articles_by_id(con, sorted(set(before) - mine))
    deciding: list[tuple[Article, Fingerprint]] = [
        (
            replace(a, declared_canonical_url=before[a.article_id].declared_canonical_url),
            fingerprints[a.article_id],
        )
        for a in reprocessed
        if a.article_id in before
    ]
    deciding += [
        (
            replace(a, declared_canonical_url=before[a.article_id].declared_canonical_url),
            _stored_fingerprint(a, before[a.article_id]),
        )
        for a in others
    ]
    deciding.sort(key=lambda item: _first_stored(item[0]))
    probes = [
        copy_store.CopyProbe(a.article_id, a.canonical_url, a.declared_canonical_url, fp)
        for a, fp in deciding
    ]
    # The re-decided articles are looked up as if not stored; the rest is as stored.
    redeciding = set(before)
    found = copy_store.find_batch_copy_candidates(con, probes, exclude=sorted(redeciding))
    detector = BatchCopyDetector(found.direct, found.rows.values())
    for article, fp in deciding:
        detector.decide(article, fp)

    stored_rows = {**found.rows, **before}
    changed: list[CopyMatch] = []
    changes: list[CopyChange] = []
    url_of = {i: row.canonical_url for i, row in detector.state.rows.items()}
    for article_id in sorted(redeciding | detector.state.repointed_stored):
        old = stored_rows[article_id]
        new = detector.final_match(article_id)
        if (old.duplicate_of, old.copy_method, old.copy_similarity) == (
            new.duplicate_of,
            new.method,
            new.similarity,
        ):
            continue
        changed.append(new)
        if old.duplicate_of != new.duplicate_of:
            changes.append(
                CopyChange(
                    url_of[article_id],
                    _url(url_of, old.duplicate_of),
                    _url(url_of, new.duplicate_of),
                )
            )
    copy_store.set_duplicate_of(con, changed)
    copy_store.replace_fingerprints(
        con, [p for p in probes if p.article_id in mine and _refreshed(p, before)]
    )
    return CopiesRederived(
        duplicate_of={i: detector.final_match(i).duplicate_of for i in ids if i in before},
        changes=tuple(sorted(changes, key=lambda c: c.article_url)),
        changed_ids=tuple(m.article_id for m in changed),
    )


def _url(known: Mapping[str, str], article_id: str | None) -> str | None:
    if article_id is None:
        return None
    return known.get(article_id, article_id)


def _refreshed(probe: copy_store.CopyProbe, before: Mapping[str, CopyCandidate]) -> bool:
    """The reprocessed article's fingerprint differs from the stored one."""
    row = before[probe.article_id]
    fp = probe.fingerprint
    signature = tuple(fp.signature) if fp.signature is not None else None
    return (row.content_hash, row.signature) != (fp.content_hash, signature)
