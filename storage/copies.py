"""Copy detection state in DuckDB: signatures, LSH band buckets, copy-group links.

All functions run on the caller's connection, inside the caller's transaction, so the
state survives across runs and processes. The store stage looks a whole batch up at once
(`find_batch_copy_candidates`) and keeps the batch's own articles in an in-memory index
(extractors/copy_batch.py); `find_copy_candidates` is the same look-up for one article. Candidate
lookup is an indexed join: the article's band buckets against `article_bands.bucket`
(DuckDB uses an ART index for a join whose other side is a few rows), plus the content
hash and canonical URLs. The group of every match (its original and all its copies) is
returned too, because deciding a new original needs the whole group.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

import duckdb

from newswatch.domain import CopyCandidate, CopyMatch
from newswatch.storage.db import in_list


class FingerprintLike(Protocol):
    """What storage needs of a fingerprint (extractors.fingerprint.Fingerprint)."""

    @property
    def content_hash(self) -> str: ...
    @property
    def signature(self) -> Sequence[int] | None: ...
    @property
    def bands(self) -> Sequence[tuple[int, int]]: ...


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
) -> list[CopyCandidate]:
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
        CopyCandidate(
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
    rows = list(matches)
    if rows:
        # One statement for the whole batch (a reprocess re-points thousands at once).
        con.execute(
            "UPDATE articles SET duplicate_of = q.duplicate_of, copy_method = q.method, "
            "copy_similarity = q.similarity FROM (SELECT unnest(?::VARCHAR[]) AS article_id, "
            "unnest(?::VARCHAR[]) AS duplicate_of, unnest(?::VARCHAR[]) AS method, "
            "unnest(?::DOUBLE[]) AS similarity) AS q WHERE articles.article_id = q.article_id",
            [
                [m.article_id for m in rows],
                [m.duplicate_of for m in rows],
                [m.method for m in rows],
                [m.similarity for m in rows],
            ],
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


# --- set-based: one look-up and one write per batch ------------------------------------


@dataclass(frozen=True)
class CopyProbe:
    """One incoming article as the batch look-up sees it."""

    article_id: str
    canonical_url: str
    declared_canonical_url: str | None
    fingerprint: FingerprintLike


@dataclass(frozen=True)
class BatchCandidates:
    """Stored matches of a whole batch, as of the start of its transaction.

    `direct[article_id]` are the stored ids linked to that incoming article by a band,
    the hash or a URL (what `_matching_ids` finds for it alone); `rows` holds every one of
    them with its whole copy group (what `find_copy_candidates` would return).
    """

    direct: dict[str, tuple[str, ...]]
    rows: dict[str, CopyCandidate]


def _probe_keys(probes: Sequence[CopyProbe]) -> dict[tuple[str, object], list[str]]:
    """(kind, key) → the incoming articles that look stored rows up by it."""
    keys: dict[tuple[str, object], list[str]] = {}
    for probe in probes:
        fp = probe.fingerprint
        wanted: list[tuple[str, object]] = []
        if fp.signature is not None:
            wanted += [("bucket", bucket) for _, bucket in fp.bands]
            wanted.append(("hash", fp.content_hash))
        if probe.declared_canonical_url:
            wanted.append(("canonical", probe.declared_canonical_url))
        for url in (probe.canonical_url, probe.declared_canonical_url):
            if url:
                wanted.append(("declared", url))
        for key in dict.fromkeys(wanted):
            keys.setdefault(key, []).append(probe.article_id)
    return keys


# Above this many keys a look-up joins the keys as one parameter (a hash join over the
# table) instead of listing them as literals (ART index look-ups): literals cost ~12 µs
# each to parse and plan, while the join's cost grows with the table it scans. Measured on
# DuckDB 2.0: a 2M-row band table in memory, 10k keys 0.12 s as literals, 0.03 s joined,
# 1k keys 0.012 s and 0.015 s; bench/bench_reprocess_copies.py (5,000 stored articles),
# the look-up of 1,000 articles 293 ms as literals, 83 ms joined, of 5,000 articles
# 1.8 s and 0.68 s. Run batches (50 articles, 1k band keys) keep the literals, whose cost
# does not grow with the archive (storage.db.in_list); a reprocess of an archive joins.
LITERAL_KEYS_MAX = 5000


def _key_filter(column: str, keys: Sequence[object], kind: str) -> tuple[str, list[object]]:
    """`column IN (keys)`, as literals for a few keys and as one joined parameter for many."""
    if len(keys) <= LITERAL_KEYS_MAX:
        return f"{column} IN ({in_list(keys)})", []
    return f"{column} IN (SELECT unnest(?::{kind}[]))", [list(keys)]


def find_batch_copy_candidates(
    con: duckdb.DuckDBPyConnection, probes: Sequence[CopyProbe], *, exclude: Collection[str] = ()
) -> BatchCandidates:
    """`find_copy_candidates` for a whole batch in a few statements, whatever its size.

    `exclude`: stored articles to look up as if they were not stored (a reprocess
    decides them again), left out of the matches and the groups.
    """
    keys = _probe_keys(probes)
    by_kind: dict[str, list[object]] = {"bucket": [], "hash": [], "canonical": [], "declared": []}
    for kind, key in keys:
        by_kind[kind].append(key)
    branches: list[str] = []
    params: list[object] = []

    def add(select: str, column: str, keys: list[object], kind: str) -> None:
        if not keys:
            return
        where, values = _key_filter(column, keys, kind)
        branches.append(f"{select} WHERE {where}")
        params.extend(values)

    add(
        "SELECT 'bucket' AS kind, bucket::VARCHAR AS key, article_id FROM article_bands",
        "bucket",
        by_kind["bucket"],
        "UINTEGER",
    )
    add(
        "SELECT 'hash', content_hash, article_id FROM articles",
        "content_hash",
        by_kind["hash"],
        "VARCHAR",
    )
    add(
        "SELECT 'canonical', canonical_url, article_id FROM articles",
        "canonical_url",
        by_kind["canonical"],
        "VARCHAR",
    )
    add(
        "SELECT 'declared', declared_canonical_url, article_id FROM article_signatures",
        "declared_canonical_url",
        by_kind["declared"],
        "VARCHAR",
    )
    direct_sets: dict[str, set[str]] = {}
    if branches:
        query = " UNION ALL ".join(branches)
        if exclude:
            where, values = _key_filter("article_id", sorted(exclude), "VARCHAR")
            query = f"SELECT * FROM ({query}) WHERE NOT ({where})"
            params.extend(values)
        for kind, key, article_id in con.execute(query, params).fetchall():
            typed_key: object = int(key) if kind == "bucket" else key
            for probe_id in keys.get((kind, typed_key), ()):
                direct_sets.setdefault(probe_id, set()).add(article_id)
    direct = {probe_id: tuple(sorted(ids)) for probe_id, ids in direct_sets.items()}
    matched = sorted({i for ids in direct.values() for i in ids})
    return BatchCandidates(direct, copy_group_rows(con, matched))


def copy_group_rows(con: duckdb.DuckDBPyConnection, ids: Sequence[str]) -> dict[str, CopyCandidate]:
    """The candidate rows of these ids, their originals and every copy of those originals."""
    if not ids:
        return {}
    where, params = _key_filter("article_id", ids, "VARCHAR")
    roots = [
        r[0]
        for r in con.execute(
            f"SELECT DISTINCT coalesce(duplicate_of, article_id) FROM articles WHERE {where}",
            params,
        ).fetchall()
    ]
    where, params = _key_filter("duplicate_of", roots, "VARCHAR")
    copies = [
        r[0]
        for r in con.execute(f"SELECT article_id FROM articles WHERE {where}", params).fetchall()
    ]
    where, params = _key_filter("article_id", sorted({*ids, *roots, *copies}), "VARCHAR")
    # Two index look-ups rather than a join: a join would scan the signature table.
    signatures = {
        r[0]: (r[1], r[2])
        for r in con.execute(
            "SELECT article_id, signature, declared_canonical_url FROM article_signatures "
            f"WHERE {where}",
            params,
        ).fetchall()
    }
    rows = con.execute(
        "SELECT article_id, canonical_url, published_at, duplicate_of, content_hash, "
        f"copy_method, copy_similarity FROM articles WHERE {where}",
        params,
    ).fetchall()
    out: dict[str, CopyCandidate] = {}
    for r in sorted(rows):
        signature, declared = signatures.get(r[0], (None, None))
        out[r[0]] = CopyCandidate(
            article_id=r[0],
            canonical_url=r[1],
            published_at=r[2],
            duplicate_of=r[3],
            content_hash=r[4],
            signature=tuple(signature) if signature is not None else None,
            declared_canonical_url=declared,
            copy_method=r[5],
            copy_similarity=r[6],
        )
    return out


def insert_fingerprints(con: duckdb.DuckDBPyConnection, probes: Sequence[CopyProbe]) -> None:
    """Signatures and band buckets of articles inserted in this transaction (two statements).

    The numbers travel as comma-separated text that DuckDB splits and casts itself: it
    converts a Python int parameter into a value one at a time (~2.5 µs each, 128 per
    signature and 40 per article's bands), and the cast of the text is vectorised. On a
    batch of 200 articles: 56 → 13 ms for the signatures, 26 → 17 ms for the bands
    (into a fresh in-memory database, DuckDB 2.0, on the bench machine).
    """
    if not probes:
        return
    con.execute(
        "INSERT INTO article_signatures (article_id, declared_canonical_url, signature) "
        "SELECT unnest(?::VARCHAR[]), unnest(?::VARCHAR[]), "
        "string_split(unnest(?::VARCHAR[]), ',')::UINTEGER[]",
        [
            [p.article_id for p in probes],
            [p.declared_canonical_url for p in probes],
            [
                _numbers_text(p.fingerprint.signature)
                if p.fingerprint.signature is not None
                else None
                for p in probes
            ],
        ],
    )
    bands = [(p.article_id, band, bucket) for p in probes for band, bucket in p.fingerprint.bands]
    if bands:
        con.execute(
            "INSERT INTO article_bands (band, bucket, article_id) "
            "SELECT unnest(string_split(?, ',')::SMALLINT[]), "
            "unnest(string_split(?, ',')::UINTEGER[]), unnest(?::VARCHAR[])",
            [
                _numbers_text(b[1] for b in bands),
                _numbers_text(b[2] for b in bands),
                [b[0] for b in bands],
            ],
        )


def _numbers_text(numbers: Iterable[int]) -> str:
    return ",".join(map(str, numbers))


def replace_fingerprints(con: duckdb.DuckDBPyConnection, probes: Sequence[CopyProbe]) -> None:
    """Store these articles' new content hashes, signatures and band buckets (a new
    version's text, a re-cleaned text)."""
    if not probes:
        return
    con.execute(
        "UPDATE articles SET content_hash = q.content_hash FROM (SELECT "
        "unnest(?::VARCHAR[]) AS article_id, unnest(?::VARCHAR[]) AS content_hash) AS q "
        "WHERE articles.article_id = q.article_id",
        [[p.article_id for p in probes], [p.fingerprint.content_hash for p in probes]],
    )
    where, params = _key_filter("article_id", [p.article_id for p in probes], "VARCHAR")
    con.execute(f"DELETE FROM article_signatures WHERE {where}", params)
    # One scan of the band table for the whole job (it has no index on article_id).
    con.execute(f"DELETE FROM article_bands WHERE {where}", params)
    insert_fingerprints(con, probes)


def copy_groups_by_url(con: duckdb.DuckDBPyConnection) -> dict[str, str | None]:
    """Every stored article's original, by canonical URL (None for an original)."""
    rows = con.execute(
        "SELECT a.canonical_url, o.canonical_url FROM articles a "
        "LEFT JOIN articles o ON o.article_id = a.duplicate_of"
    ).fetchall()
    return {r[0]: r[1] for r in rows}
