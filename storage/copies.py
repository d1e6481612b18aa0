"""Copy detection state in DuckDB: signatures, LSH band buckets, copy-group links.

All functions run on the caller's connection, inside the caller's transaction, so the
state survives across runs and processes and there is no in-memory index. Candidate
lookup is an indexed join: the article's band buckets against `article_bands.bucket`
(DuckDB uses an ART index for a join whose other side is a few rows), plus the content
hash and canonical URLs. The group of every match (its original and all its copies) is
returned too, because deciding a new original needs the whole group.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

import duckdb

from newswatch.domain import CopyMatch


class FingerprintLike(Protocol):
    """What storage needs of a fingerprint (extractors.fingerprint.Fingerprint)."""

    @property
    def content_hash(self) -> str: ...
    @property
    def signature(self) -> Sequence[int] | None: ...
    @property
    def bands(self) -> Sequence[tuple[int, int]]: ...


@dataclass(frozen=True)
class StoredCandidate:
    """A stored article that may be, or whose group may contain, the original of a copy."""

    article_id: str
    canonical_url: str
    published_at: datetime | None
    duplicate_of: str | None
    content_hash: str | None
    signature: tuple[int, ...] | None
    declared_canonical_url: str | None
    copy_method: str | None
    copy_similarity: float | None


# Each branch is an indexed lookup: band buckets (a join with 20 rows on one side runs as
# an ART index scan), content hash, canonical URL, declared canonical URL.
_BY_BANDS = (
    "SELECT b.article_id FROM (SELECT unnest(?::UINTEGER[]) AS bucket) p "
    "JOIN article_bands b USING (bucket)"
)
_BY_HASH = "SELECT article_id FROM articles WHERE content_hash = ?"
_BY_CANONICAL = "SELECT article_id FROM articles WHERE canonical_url = ?"
_BY_DECLARED = "SELECT article_id FROM article_signatures WHERE declared_canonical_url = ?"

_ROOTS = (
    "SELECT DISTINCT coalesce(duplicate_of, article_id) FROM articles "
    "WHERE article_id IN (SELECT unnest(?::VARCHAR[]))"
)
_COPIES_OF = "SELECT article_id FROM articles WHERE duplicate_of IN (SELECT unnest(?::VARCHAR[]))"
_CANDIDATE_ROWS = """
    SELECT a.article_id, a.canonical_url, a.published_at, a.duplicate_of, a.content_hash,
           s.signature, s.declared_canonical_url, a.copy_method, a.copy_similarity
    FROM (SELECT unnest(?::VARCHAR[]) AS article_id) m
    JOIN articles a USING (article_id)
    LEFT JOIN article_signatures s USING (article_id)
    ORDER BY a.article_id
"""


def _matching_ids(
    con: duckdb.DuckDBPyConnection,
    fp: FingerprintLike,
    declared_canonical_url: str | None,
    canonical_url: str | None,
) -> list[str]:
    """Ids of stored articles linked to the fingerprint by a band, the hash or a URL."""
    branches: list[str] = []
    params: list[object] = []
    if fp.signature is not None:
        # Equal buckets are candidates (the bucket hashes the band number too); the
        # estimated Jaccard decides later. Equal hashes count for eligible texts only.
        branches += [_BY_BANDS, _BY_HASH]
        params += [[bucket for _, bucket in fp.bands], fp.content_hash]
    if declared_canonical_url:
        branches.append(_BY_CANONICAL)
        params.append(declared_canonical_url)
    for url in dict.fromkeys(u for u in (canonical_url, declared_canonical_url) if u):
        branches.append(_BY_DECLARED)
        params.append(url)
    if not branches:
        return []
    rows = con.execute(" UNION ".join(branches), params).fetchall()
    return sorted(r[0] for r in rows)


def _group_ids(con: duckdb.DuckDBPyConnection, ids: list[str]) -> list[str]:
    """The matches, their originals and every copy of those originals."""
    roots = [r[0] for r in con.execute(_ROOTS, [ids]).fetchall()]
    copies = [r[0] for r in con.execute(_COPIES_OF, [roots]).fetchall()]
    return sorted({*ids, *roots, *copies})


def find_copy_candidates(
    con: duckdb.DuckDBPyConnection,
    fp: FingerprintLike,
    declared_canonical_url: str | None,
    *,
    canonical_url: str | None = None,
) -> list[StoredCandidate]:
    """Stored articles that may be copies of this text, with their whole copy groups.

    Matches by band bucket and content hash (eligible texts only), by the declared
    canonical URL, and by stored pages that declare this page's (or the same) canonical
    URL; pass `canonical_url` so the original is found when it arrives after its copies.
    """
    ids = _matching_ids(con, fp, declared_canonical_url, canonical_url)
    if not ids:
        return []
    rows = con.execute(_CANDIDATE_ROWS, [_group_ids(con, ids)]).fetchall()
    return [
        StoredCandidate(
            article_id=r[0],
            canonical_url=r[1],
            published_at=r[2],
            duplicate_of=r[3],
            content_hash=r[4],
            signature=tuple(r[5]) if r[5] is not None else None,
            declared_canonical_url=r[6],
            copy_method=r[7],
            copy_similarity=r[8],
        )
        for r in rows
    ]


def save_fingerprint(
    con: duckdb.DuckDBPyConnection,
    article_id: str,
    fp: FingerprintLike,
    *,
    declared_canonical_url: str | None = None,
    new_article: bool = False,
) -> None:
    """Store the article's signature, declared canonical URL and band buckets (idempotent).

    `new_article`: the article row was inserted in this transaction, so no fingerprint
    of it can be stored yet and the look-up is skipped.
    """
    signature = list(fp.signature) if fp.signature is not None else None
    previous = (
        None
        if new_article
        else con.execute(
            "SELECT signature FROM article_signatures WHERE article_id = ?", [article_id]
        ).fetchone()
    )
    if previous is None:
        # A plain insert: an upsert costs several times more in DuckDB.
        con.execute(
            "INSERT INTO article_signatures (article_id, declared_canonical_url, signature) "
            "VALUES (?, ?, ?)",
            [article_id, declared_canonical_url, signature],
        )
    else:
        con.execute(
            "UPDATE article_signatures SET declared_canonical_url = ?, signature = ? "
            "WHERE article_id = ?",
            [declared_canonical_url, signature, article_id],
        )
        if previous[0] == signature:
            return  # same text re-fetched: its buckets are stored already
        # Rare (a stored article's text changed): this scans the band table, which has
        # no index on article_id because one would double its size.
        con.execute("DELETE FROM article_bands WHERE article_id = ?", [article_id])
    if fp.bands:
        con.execute(
            "INSERT INTO article_bands (band, bucket, article_id) "
            "SELECT unnest(?::SMALLINT[]), unnest(?::UINTEGER[]), ?",
            [[band for band, _ in fp.bands], [bucket for _, bucket in fp.bands], article_id],
        )


def set_duplicate_of(con: duckdb.DuckDBPyConnection, matches: Iterable[CopyMatch]) -> int:
    """Re-point stored articles at their group's original; returns how many rows changed."""
    rows = [[m.duplicate_of, m.method, m.similarity, m.article_id] for m in matches]
    for row in rows:
        con.execute(
            "UPDATE articles SET duplicate_of = ?, copy_method = ?, copy_similarity = ? "
            "WHERE article_id = ?",
            row,
        )
    return len(rows)


def apply_copy_match(
    con: duckdb.DuckDBPyConnection,
    match: CopyMatch,
    fp: FingerprintLike,
    *,
    repoints: Iterable[CopyMatch] = (),
    declared_canonical_url: str | None = None,
    new_article: bool = False,
) -> None:
    """After the article row is written: store its fingerprint and re-point its group."""
    save_fingerprint(
        con,
        match.article_id,
        fp,
        declared_canonical_url=declared_canonical_url,
        new_article=new_article,
    )
    set_duplicate_of(con, repoints)
