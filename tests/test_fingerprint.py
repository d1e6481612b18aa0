"""Text fingerprints: normalisation, exact-text hash, MinHash signature and LSH bands."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path

import pytest

from newswatch.extractors.fingerprint import (
    BANDS,
    MIN_WORDS,
    NEAR_COPY_THRESHOLD,
    NUM_PERM,
    ROWS,
    SHINGLE_SIZE,
    content_hash,
    estimated_jaccard,
    fingerprint,
    normalise_text,
    word_shingles,
)
from newswatch.testing.copies import story

REPO = Path(__file__).resolve().parents[1]


def _text(seed: int, paragraphs: int = 6) -> str:
    return "\n\n".join(story(random.Random(seed), paragraphs))


def test_normalising_drops_case_punctuation_and_layout() -> None:
    assert (
        normalise_text("  The KREMLIN said:\n\n“No call — yet.”  ")
        == "the kremlin said no call yet"
    )


def test_content_hash_ignores_punctuation_case_and_whitespace() -> None:
    assert content_hash("Talks begin, officials said.") == content_hash(
        "talks  BEGIN officials said"
    )


def test_content_hash_changes_when_a_word_changes() -> None:
    assert content_hash("talks begin today") != content_hash("talks begin tomorrow")


def test_shingles_are_overlapping_word_runs() -> None:
    words = ["one", "two", "three", "four", "five", "six"]
    assert word_shingles(words, 5) == [b"one two three four five", b"two three four five six"]


def test_a_long_text_gets_a_signature_and_one_bucket_per_band() -> None:
    fp = fingerprint(_text(1))
    assert fp.signature is not None and len(fp.signature) == NUM_PERM
    assert [band for band, _ in fp.bands] == list(range(BANDS))
    assert all(0 <= bucket < 2**32 for _, bucket in fp.bands)


def test_a_short_text_is_hashed_but_not_signed() -> None:
    fp = fingerprint(" ".join(["word"] * (MIN_WORDS - 1)))
    assert fp.signature is None and fp.bands == () and not fp.near_copy_eligible
    assert fp.content_hash == content_hash(" ".join(["word"] * (MIN_WORDS - 1)))


def test_near_copy_false_keeps_only_the_hash() -> None:
    fp = fingerprint(_text(2), near_copy=False)
    assert fp.signature is None and fp.bands == ()


def test_the_same_text_gives_the_same_fingerprint() -> None:
    assert fingerprint(_text(3)) == fingerprint(_text(3))


def test_signatures_agree_across_processes() -> None:
    text = _text(4)
    code = (
        "import json, sys; from extractors.fingerprint import fingerprint; "
        "fp = fingerprint(sys.stdin.read()); print(json.dumps([fp.signature, fp.bands]))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        input=text,
        capture_output=True,
        text=True,
        cwd=REPO,
        check=True,
    )
    signature, bands = json.loads(out.stdout)
    fp = fingerprint(text)
    assert tuple(signature) == fp.signature
    assert tuple(map(tuple, bands)) == fp.bands


def test_estimated_jaccard_of_identical_signatures_is_one() -> None:
    fp = fingerprint(_text(5))
    assert fp.signature is not None
    assert estimated_jaccard(fp.signature, fp.signature) == 1.0


def test_estimated_jaccard_tracks_the_true_shingle_jaccard() -> None:
    first = normalise_text(_text(6, paragraphs=8)).split()
    second = first[: len(first) * 2 // 3]  # two thirds of the text
    a, b = set(word_shingles(first)), set(word_shingles(second))
    true = len(a & b) / len(a | b)
    fa, fb = fingerprint(" ".join(first)), fingerprint(" ".join(second))
    assert fa.signature is not None and fb.signature is not None
    standard_error = (true * (1 - true) / NUM_PERM) ** 0.5
    assert abs(estimated_jaccard(fa.signature, fb.signature) - true) < 4 * standard_error


def test_estimated_jaccard_refuses_signatures_of_different_length() -> None:
    with pytest.raises(ValueError):
        estimated_jaccard((1, 2, 3), (1, 2))


def test_parameters_are_consistent() -> None:
    assert BANDS * ROWS <= NUM_PERM
    assert SHINGLE_SIZE < MIN_WORDS
    # The LSH curve must find a pair at the threshold more often than not.
    assert 1 - (1 - NEAR_COPY_THRESHOLD**ROWS) ** BANDS > 0.9


# Values stored by earlier releases for one text (computed before the signature and the
# band hashing were last rewritten for speed). Stored articles are compared with new ones
# by these numbers, so they must never change for the same text.
_STORED_TEXT = (
    "The harbour authority said on Tuesday that the new ferry line between the two islands "
    "would open in May, after a winter of trials in rough weather.\n"
    "Officials expect about forty crossings a week in summer, and fewer in the dark months, "
    "when the northern route is often closed by ice.\n"
    "Local traders welcomed the plan but asked for a later last departure, so that market "
    "stalls can be packed away before the boats leave."
)


def test_a_text_fingerprints_to_the_values_earlier_releases_stored() -> None:
    fp = fingerprint(_STORED_TEXT)
    assert fp.content_hash == "df4ca9eaec4978b5d1cde10bcd28a345"
    assert fp.word_count == 75
    assert fp.signature is not None
    assert fp.signature[:6] == (70005844, 12619152, 13199072, 40551991, 115988526, 88112185)
    assert sum(fp.signature) == 6647950631
    assert [bucket for _, bucket in fp.bands] == [
        1917949749, 3852060717, 1451303913, 548573372, 3087598154, 212082243, 3450187541,
        2520091008, 2435341851, 309625611, 1790608512, 4254574179, 673578774, 1078433128,
        3008681886, 2857019337, 3416698681, 2428718209, 87163897, 4041421883,
    ]  # fmt: skip
