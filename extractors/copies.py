"""Copy decisions: is this article a copy of a stored one, and which one is the original?

Pure: given an article, its fingerprint and the stored articles that storage found as
candidates (direct matches plus every member of their copy groups), decide the
article's `CopyMatch` and which stored rows must be re-pointed.

Layers, cheapest first: a canonical URL link (the page declares another page as its
canonical, or two pages declare the same one), equal hashes of the normalised text, and
near-copies whose estimated Jaccard reaches NEAR_COPY_THRESHOLD. A copy group is every
article linked to another by one of these; its original is the earliest published
(missing dates last, ties to the smaller canonical URL), and every other member points
at the original directly. Every link is found whichever of its two articles arrives
second, so the same articles in any order give the same groups and originals.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from newswatch.domain import Article, CopyCandidate, CopyMatch
from newswatch.extractors.fingerprint import (
    NEAR_COPY_THRESHOLD,
    Fingerprint,
    estimated_jaccard,
    fingerprint,
)

CopyMethod = Literal["url", "exact", "near"]

# Strongest evidence first: a page naming its original beats equal text beats similar text.
_METHOD_RANK: dict[CopyMethod, int] = {"url": 0, "exact": 1, "near": 2}
_NO_DATE = datetime.max.replace(tzinfo=UTC)


@dataclass(frozen=True)
class CopyDecision:
    """The article's verdict and the stored rows whose copy link must change."""

    match: CopyMatch
    # Stored articles to update: a new original for their group, or (for the old
    # original) no longer an original. Empty unless groups merge or the original changes.
    repoints: tuple[CopyMatch, ...] = ()


@dataclass(frozen=True)
class _Node:
    """One article of a copy group, incoming or stored, with what the links compare."""

    article_id: str
    canonical_url: str
    published_at: datetime | None
    content_hash: str | None
    signature: Sequence[int] | None
    declared_canonical_url: str | None


def fingerprint_article(article: Article) -> Fingerprint:
    """The article's fingerprint; only pages of kind 'article' take part in near-copies."""
    return fingerprint(article.text, near_copy=article.page_kind == "article")


def original_order(node: _Node | CopyCandidate) -> tuple[bool, datetime, str]:
    """Sort key whose minimum is a group's original: earliest published, undated last."""
    published = node.published_at
    if published is not None and published.tzinfo is None:
        published = published.replace(tzinfo=UTC)  # naive times are UTC by convention
    return (published is None, published or _NO_DATE, node.canonical_url)


def _url_linked(a: _Node, b: _Node) -> bool:
    if a.declared_canonical_url and a.declared_canonical_url in (
        b.canonical_url,
        b.declared_canonical_url,
    ):
        return True
    return bool(b.declared_canonical_url and b.declared_canonical_url == a.canonical_url)


def _similarity(a: _Node, b: _Node) -> float | None:
    if a.signature is None or b.signature is None:
        return None
    return estimated_jaccard(a.signature, b.signature)


def link(a: _Node, b: _Node) -> tuple[CopyMethod, float | None] | None:
    """The strongest copy link between two articles (method, estimated Jaccard), or None."""
    similarity = _similarity(a, b)
    if _url_linked(a, b):
        return ("url", similarity)
    if similarity is None:
        return None  # exact and near matching need two eligible (fingerprinted) texts
    if a.content_hash is not None and a.content_hash == b.content_hash:
        return ("exact", similarity)
    if similarity >= NEAR_COPY_THRESHOLD:
        return ("near", similarity)
    return None


def _evidence(
    member: _Node, original: _Node, group: Sequence[_Node]
) -> tuple[CopyMethod | None, float | None]:
    """How a member is shown to copy its group's original: a function of the group only.

    The direct link to the original when there is one; otherwise (a copy of a copy) the
    estimated Jaccard to the original, or the member's strongest link within the group.
    """
    direct = link(member, original)
    if direct is not None:
        return direct
    similarity = _similarity(member, original)
    if similarity is not None:
        return ("near", similarity)
    links = [found for other in group if other is not member and (found := link(member, other))]
    if not links:
        return (None, None)
    return (min(links, key=lambda found: _METHOD_RANK[found[0]])[0], None)


def _node(candidate: CopyCandidate) -> _Node:
    return _Node(
        candidate.article_id,
        candidate.canonical_url,
        candidate.published_at,
        candidate.content_hash,
        candidate.signature,
        candidate.declared_canonical_url,
    )


def decide_copy(
    article: Article, fp: Fingerprint, candidates: Sequence[CopyCandidate]
) -> CopyDecision:
    """Decide the article's copy link and the re-pointing of stored rows it causes."""
    me = _Node(
        article.article_id,
        article.canonical_url,
        article.published_at,
        fp.content_hash,
        fp.signature,
        article.declared_canonical_url,
    )
    # A re-fetched article is among its own candidates: the incoming version replaces it.
    stored = {c.article_id: c for c in candidates if c.article_id != me.article_id}
    nodes = {article_id: _node(c) for article_id, c in stored.items()}
    direct = [article_id for article_id, node in nodes.items() if link(me, node) is not None]
    if not direct:
        return CopyDecision(CopyMatch(me.article_id, None))

    def root_of(article_id: str) -> str:
        return stored[article_id].duplicate_of or article_id

    roots = {root_of(article_id) for article_id in direct}
    members = [nodes[article_id] for article_id in sorted(nodes) if root_of(article_id) in roots]
    group = [*members, me]
    original = min(group, key=original_order)

    if original is me:
        match = CopyMatch(me.article_id, None)
    else:
        method, similarity = _evidence(me, original, group)
        match = CopyMatch(me.article_id, original.article_id, method, similarity)

    repoints = []
    for member in members:
        row = stored[member.article_id]
        if member is original:
            wanted = CopyMatch(member.article_id, None)
        else:
            method, similarity = _evidence(member, original, group)
            wanted = CopyMatch(member.article_id, original.article_id, method, similarity)
        if (row.duplicate_of, row.copy_method, row.copy_similarity) != (
            wanted.duplicate_of,
            wanted.method,
            wanted.similarity,
        ):
            repoints.append(wanted)
    return CopyDecision(match, tuple(repoints))
