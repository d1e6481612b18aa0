"""Copy decisions for a whole batch: the stored candidates of the batch plus the batch itself.

Pure. Storage looks the batch up once (`storage.copies.find_batch_copy_candidates`: the
stored rows each incoming article matches, with their copy groups, as of the start of
the transaction). This module then decides the articles one by one, in the order given,
exactly as if each had been looked up in the database after the ones before it were
written: articles earlier in the batch are found through an in-memory index with the
same matching rules as the stored look-up (band bucket or content hash for eligible
texts, declared canonical URLs), and every re-pointing is applied to an in-memory copy
of the rows, which is what a later look-up would have read back.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

from newswatch.domain import Article, CopyCandidate, CopyMatch
from newswatch.extractors.copies import CopyDecision, decide_copy
from newswatch.extractors.fingerprint import Fingerprint


@dataclass
class BatchCopyState:
    """The copy state of a batch once every article is decided."""

    # Each incoming article's verdict when it was decided (before later re-pointing).
    decisions: dict[str, CopyMatch] = field(default_factory=dict)
    # Every row as it must end up: incoming articles and stored rows alike.
    rows: dict[str, CopyCandidate] = field(default_factory=dict)
    # Stored articles (not of this batch) whose copy link changed.
    repointed_stored: set[str] = field(default_factory=set)
    # Every article, stored or incoming, that some decision re-pointed.
    repointed: set[str] = field(default_factory=set)


class BatchCopyDetector:
    """Decides a batch's articles in order against the stored rows and each other."""

    def __init__(
        self, stored_direct: Mapping[str, Sequence[str]], stored_rows: Iterable[CopyCandidate]
    ) -> None:
        self._stored_direct = stored_direct
        self._stored_ids = set()
        self.state = BatchCopyState()
        # The copies of each original among the rows, kept in step with `state.rows`, so
        # finding a group costs the group's size, not the batch's (a reprocess decides a
        # whole archive in one detector).
        self._copies_of: dict[str, set[str]] = {}
        for candidate in stored_rows:
            self._stored_ids.add(candidate.article_id)
            self._set_row(candidate)
        # The in-memory index of this batch's articles, keyed as the stored look-up is.
        self._by_bucket: dict[int, list[str]] = {}
        self._by_hash: dict[str, list[str]] = {}
        self._by_canonical: dict[str, list[str]] = {}
        self._by_declared: dict[str, list[str]] = {}

    def _set_row(self, row: CopyCandidate) -> None:
        old = self.state.rows.get(row.article_id)
        if old is not None and old.duplicate_of is not None:
            self._copies_of[old.duplicate_of].discard(row.article_id)
        if row.duplicate_of is not None:
            self._copies_of.setdefault(row.duplicate_of, set()).add(row.article_id)
        self.state.rows[row.article_id] = row

    def _batch_matches(self, article: Article, fp: Fingerprint) -> set[str]:
        found: set[str] = set()
        if fp.signature is not None:
            for _, bucket in fp.bands:
                found.update(self._by_bucket.get(bucket, ()))
            found.update(self._by_hash.get(fp.content_hash, ()))
        if article.declared_canonical_url:
            found.update(self._by_canonical.get(article.declared_canonical_url, ()))
        for url in (article.canonical_url, article.declared_canonical_url):
            if url:
                found.update(self._by_declared.get(url, ()))
        return found

    def _candidates(self, ids: set[str]) -> list[CopyCandidate]:
        """The matched rows with their whole copy groups, as the stored look-up returns them."""
        if not ids:
            return []
        rows = self.state.rows
        roots = {rows[i].duplicate_of or i for i in ids}
        members = {i for root in roots for i in self._copies_of.get(root, ())}
        return [rows[i] for i in sorted(ids | roots | members)]

    def decide(self, article: Article, fp: Fingerprint) -> CopyDecision:
        """Decide one article (after every earlier one of the batch) and record it."""
        ids = set(self._stored_direct.get(article.article_id, ())) | self._batch_matches(
            article, fp
        )
        decision = decide_copy(article, fp, self._candidates(ids))
        match = decision.match
        state = self.state
        state.decisions[article.article_id] = match
        self._set_row(
            CopyCandidate(
                article.article_id,
                article.canonical_url,
                article.published_at,
                match.duplicate_of,
                fp.content_hash,
                fp.signature,
                article.declared_canonical_url,
                match.method,
                match.similarity,
            )
        )
        for repoint in decision.repoints:
            self._set_row(
                replace(
                    state.rows[repoint.article_id],
                    duplicate_of=repoint.duplicate_of,
                    copy_method=repoint.method,
                    copy_similarity=repoint.similarity,
                )
            )
            state.repointed.add(repoint.article_id)
            if repoint.article_id in self._stored_ids:
                state.repointed_stored.add(repoint.article_id)
        self._index(article, fp)
        return decision

    def _index(self, article: Article, fp: Fingerprint) -> None:
        article_id = article.article_id
        for _, bucket in fp.bands:
            self._by_bucket.setdefault(bucket, []).append(article_id)
        self._by_hash.setdefault(fp.content_hash, []).append(article_id)
        self._by_canonical.setdefault(article.canonical_url, []).append(article_id)
        if article.declared_canonical_url:
            self._by_declared.setdefault(article.declared_canonical_url, []).append(article_id)

    def final_match(self, article_id: str) -> CopyMatch:
        """The copy link an article ends the batch with (after later re-pointing)."""
        row = self.state.rows[article_id]
        method = row.copy_method
        return CopyMatch(
            article_id,
            row.duplicate_of,
            method if method in ("url", "exact", "near") else None,  # type: ignore[arg-type]
            row.copy_similarity,
        )
