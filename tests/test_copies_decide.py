"""Copy decisions (pure): which stored article an incoming one copies, and re-pointing."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from newswatch.domain import Article, CopyMatch
from newswatch.domain import CopyCandidate as StoredCandidate
from newswatch.extractors.copies import CopyDecision, decide_copy, fingerprint_article
from newswatch.extractors.fingerprint import MIN_WORDS
from newswatch.testing.copies import make_article, sentence, story

T0 = datetime(2025, 2, 12, 18, 40, tzinfo=UTC)


def hours(n: float) -> datetime:
    return T0 + timedelta(hours=n)


def wire_text(seed: int = 1) -> str:
    return "\n\n".join(story(random.Random(seed), 6))


def edited(text: str, seed: int = 2) -> str:
    """A syndicated edit: new intro line, last paragraph cut."""
    paragraphs = text.split("\n\n")
    return "\n\n".join([sentence(random.Random(seed)), *paragraphs[:-1]])


def stored(article: Article, copy: CopyMatch | None = None) -> StoredCandidate:
    """The stored row of an article, optionally stored as a copy."""
    fp = fingerprint_article(article)
    return StoredCandidate(
        article_id=article.article_id,
        canonical_url=article.canonical_url,
        published_at=article.published_at,
        duplicate_of=copy.duplicate_of if copy else None,
        content_hash=fp.content_hash,
        signature=fp.signature,
        declared_canonical_url=article.declared_canonical_url,
        copy_method=copy.method if copy else None,
        copy_similarity=copy.similarity if copy else None,
    )


def decide(article: Article, *candidates: StoredCandidate) -> CopyDecision:
    return decide_copy(article, fingerprint_article(article), list(candidates))


def test_an_article_without_candidates_is_an_original() -> None:
    article = make_article("wire", wire_text(), published_at=T0)
    assert decide(article).match == CopyMatch(article.article_id, None)


def test_a_page_declaring_a_stored_page_as_canonical_is_its_copy() -> None:
    wire = make_article("wire", wire_text(), published_at=T0)
    mirror = make_article(
        "mirror",
        sentence(random.Random(9), 80),
        published_at=hours(1),
        declared_canonical_url=wire.canonical_url,
    )
    match = decide(mirror, stored(wire)).match
    assert (match.duplicate_of, match.method) == (wire.article_id, "url")


def test_two_pages_declaring_the_same_canonical_are_copies() -> None:
    first = make_article(
        "a", wire_text(1), published_at=T0, declared_canonical_url="https://w.example/x"
    )
    second = make_article(
        "b", wire_text(2), published_at=hours(1), declared_canonical_url="https://w.example/x"
    )
    match = decide(second, stored(first)).match
    assert (match.duplicate_of, match.method) == (first.article_id, "url")


def test_equal_normalised_text_is_an_exact_copy() -> None:
    wire = make_article("wire", wire_text(), published_at=T0)
    mirror = make_article("mirror", wire_text().upper().replace(".", " !"), published_at=hours(1))
    match = decide(mirror, stored(wire)).match
    assert (match.duplicate_of, match.method, match.similarity) == (wire.article_id, "exact", 1.0)


def test_an_edited_text_is_a_near_copy_with_its_similarity() -> None:
    wire = make_article("wire", wire_text(), published_at=T0)
    mirror = make_article("mirror", edited(wire_text()), published_at=hours(1))
    match = decide(mirror, stored(wire)).match
    assert match.duplicate_of == wire.article_id and match.method == "near"
    assert match.similarity is not None and 0.5 <= match.similarity < 1.0


def test_a_different_story_is_not_a_copy() -> None:
    wire = make_article("wire", wire_text(1), published_at=T0)
    other = make_article("other", wire_text(2), published_at=hours(1))
    assert decide(other, stored(wire)).match.duplicate_of is None


def test_a_copy_of_a_copy_points_at_the_original() -> None:
    wire = make_article("wire", wire_text(), published_at=T0)
    mirror = make_article("mirror", edited(wire_text()), published_at=hours(1))
    mirror_copy = make_article(
        "reprint", edited(edited(wire_text()), seed=3), published_at=hours(2)
    )
    first = decide(mirror, stored(wire)).match
    match = decide(mirror_copy, stored(wire), stored(mirror, first)).match
    assert match.duplicate_of == wire.article_id


def test_an_earlier_article_arriving_later_becomes_the_original() -> None:
    wire = make_article("wire", wire_text(), published_at=T0)
    mirror = make_article("mirror", edited(wire_text()), published_at=hours(1))
    reprint = make_article("reprint", edited(wire_text(), seed=4), published_at=hours(2))
    reprint_match = decide(reprint, stored(mirror)).match
    decision = decide(wire, stored(mirror), stored(reprint, reprint_match))
    assert decision.match.duplicate_of is None
    assert {m.article_id: m.duplicate_of for m in decision.repoints} == {
        mirror.article_id: wire.article_id,
        reprint.article_id: wire.article_id,
    }


def test_equal_publication_times_fall_to_the_smaller_canonical_url() -> None:
    a = make_article("aaa", wire_text(), published_at=T0)
    b = make_article("bbb", edited(wire_text()), published_at=T0)
    assert decide(a, stored(b)).match.duplicate_of is None
    assert decide(b, stored(a)).match.duplicate_of == a.article_id


def test_an_undated_article_is_never_the_original_of_a_dated_one() -> None:
    undated = make_article("aaa", wire_text(), published_at=None)
    dated = make_article("zzz", edited(wire_text()), published_at=hours(100))
    assert decide(undated, stored(dated)).match.duplicate_of == dated.article_id


def test_an_article_linking_two_groups_merges_them_under_the_earliest() -> None:
    text = wire_text()
    head = make_article("head", text, published_at=hours(5))
    left = make_article("left", text, published_at=T0, declared_canonical_url="https://w.example/x")
    right_root = make_article("right", edited(text), published_at=hours(1))
    bridge = make_article(
        "bridge", text, published_at=hours(6), declared_canonical_url="https://w.example/x"
    )
    # Two stored groups: `left` alone, and `right` with its exact copy `head`.
    head_match = decide(head, stored(right_root)).match
    assert head_match.duplicate_of == right_root.article_id
    decision = decide(bridge, stored(left), stored(right_root), stored(head, head_match))
    assert decision.match.duplicate_of == left.article_id
    assert {m.article_id: m.duplicate_of for m in decision.repoints} == {
        right_root.article_id: left.article_id,
        head.article_id: left.article_id,
    }


def test_equal_short_stubs_are_not_copies() -> None:
    stub = " ".join(["subscribe to read the full story"] * ((MIN_WORDS - 1) // 6))
    first = make_article("a", stub, published_at=T0)
    second = make_article("b", stub, published_at=hours(1))
    assert decide(second, stored(first)).match.duplicate_of is None


def test_listing_pages_take_no_part_in_text_matching() -> None:
    first = make_article("a", wire_text(), published_at=T0, page_kind="listing")
    second = make_article("b", wire_text(), published_at=hours(1))
    assert fingerprint_article(first).signature is None
    assert decide(second, stored(first)).match.duplicate_of is None


def test_a_refetched_article_is_not_a_copy_of_itself() -> None:
    wire = make_article("wire", wire_text(), published_at=T0)
    assert decide(wire, stored(wire)).match.duplicate_of is None


def test_nothing_is_repointed_when_the_stored_group_is_already_right() -> None:
    wire = make_article("wire", wire_text(), published_at=T0)
    mirror = make_article("mirror", edited(wire_text()), published_at=hours(1))
    mirror_match = decide(mirror, stored(wire)).match
    late = replace(make_article("late", edited(wire_text(), seed=5)), published_at=hours(3))
    assert decide(late, stored(wire), stored(mirror, mirror_match)).repoints == ()
