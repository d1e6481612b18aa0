"""Properties of near-copy detection on synthetic stories (hypothesis).

A copy is "found" when storage would return the original as a candidate (an equal band
bucket) and the decision links the copy to it. Edited copies must be found; different
stories that share only boilerplate or one quoted passage must not be.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from newswatch.domain import Article
from newswatch.domain import CopyCandidate as StoredCandidate
from newswatch.extractors.copies import decide_copy, fingerprint_article
from newswatch.testing.copies import make_article, sentence, story

EARLY = datetime(2025, 3, 18, 19, 35, tzinfo=UTC)
LATE = datetime(2025, 3, 19, 8, 15, tzinfo=UTC)

# Lines that survive extraction on many sites; written for these tests.
BOILERPLATE = [
    "Share this story on Facebook, X, WhatsApp or by email. Copy the link.",
    "Sign up for our morning briefing and get the day's top headlines in your inbox.",
    "We value your comments. Please keep the discussion civil and on topic.",
    "Read more: the latest from our correspondents across the region, updated hourly.",
]
QUOTE = (
    '"We have agreed that our teams will start working together immediately, and we '
    "will meet again when the conditions are right, not a day before, because nobody "
    'gains from a summit that ends without a result for the people who elected us," '
    "the spokesman told reporters outside the building."
)

seeds = st.integers(min_value=0, max_value=2**32 - 1)
paragraph_counts = st.integers(min_value=5, max_value=8)


def _stored(article: Article) -> StoredCandidate:
    fp = fingerprint_article(article)
    return StoredCandidate(
        article_id=article.article_id,
        canonical_url=article.canonical_url,
        published_at=article.published_at,
        duplicate_of=None,
        content_hash=fp.content_hash,
        signature=fp.signature,
        declared_canonical_url=article.declared_canonical_url,
        copy_method=None,
        copy_similarity=None,
    )


def found_as_copy(original_paragraphs: list[str], copy_paragraphs: list[str]) -> bool:
    """True when the later text is found and judged a copy of the earlier one."""
    original = make_article("wire", "\n\n".join(original_paragraphs), published_at=EARLY)
    copy = make_article("mirror", "\n\n".join(copy_paragraphs), published_at=LATE)
    fp_original, fp_copy = fingerprint_article(original), fingerprint_article(copy)
    if not set(fp_original.bands) & set(fp_copy.bands):
        return False  # storage would not return the original as a candidate
    decision = decide_copy(copy, fp_copy, [_stored(original)])
    return decision.match.duplicate_of == original.article_id


@settings(max_examples=40, deadline=None)
@given(seeds, paragraph_counts)
def test_a_copy_with_a_new_headline_is_found(seed: int, paragraphs: int) -> None:
    rng = random.Random(seed)
    text = story(rng, paragraphs)
    assert found_as_copy([sentence(rng, 10), *text], [sentence(rng, 10), *text])


@settings(max_examples=40, deadline=None)
@given(seeds, paragraph_counts)
def test_a_copy_with_the_last_paragraph_trimmed_is_found(seed: int, paragraphs: int) -> None:
    text = story(random.Random(seed), paragraphs)
    assert found_as_copy(text, text[:-1])


@settings(max_examples=40, deadline=None)
@given(seeds, paragraph_counts)
def test_a_copy_with_an_added_intro_line_is_found(seed: int, paragraphs: int) -> None:
    rng = random.Random(seed)
    text = story(rng, paragraphs)
    assert found_as_copy(text, [sentence(rng), *text])


@settings(max_examples=40, deadline=None)
@given(seeds, paragraph_counts, st.integers(min_value=1, max_value=5))
def test_a_copy_with_a_few_words_swapped_is_found(seed: int, paragraphs: int, swaps: int) -> None:
    rng = random.Random(seed)
    text = story(rng, paragraphs)
    words = " ".join(text).split()
    for _ in range(swaps):
        words[rng.randrange(len(words))] = rng.choice(
            ["reportedly", "Thursday", "officially", "again"]
        )
    assert found_as_copy(text, [" ".join(words)])


@settings(max_examples=40, deadline=None)
@given(seeds, paragraph_counts)
def test_a_syndicated_copy_with_all_edits_at_once_is_found(seed: int, paragraphs: int) -> None:
    rng = random.Random(seed)
    text = story(rng, paragraphs)
    edited = [sentence(rng, 10), sentence(rng), *text[:-1]]
    assert found_as_copy([sentence(rng, 10), *text], edited)


@settings(max_examples=40, deadline=None)
@given(seeds, seeds, st.integers(min_value=3, max_value=6))
def test_stories_sharing_only_boilerplate_are_not_copies(
    first: int, second: int, paragraphs: int
) -> None:
    one = story(random.Random(first), paragraphs)
    other = story(random.Random(f"other-{second}"), paragraphs)
    assert not found_as_copy([*one, *BOILERPLATE], [*other, *BOILERPLATE])


@settings(max_examples=40, deadline=None)
@given(seeds, seeds, st.integers(min_value=3, max_value=6))
def test_stories_sharing_a_common_quote_are_not_copies(
    first: int, second: int, paragraphs: int
) -> None:
    one = story(random.Random(first), paragraphs)
    other = story(random.Random(f"other-{second}"), paragraphs)
    assert not found_as_copy([one[0], QUOTE, *one[1:]], [*other[:2], QUOTE, *other[2:]])
