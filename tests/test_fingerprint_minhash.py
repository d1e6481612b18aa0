"""The MinHash signature is datasketch 2.0's "affine32" MinHash, value for value.

Signatures are stored, so a stored article and one read today must agree: these tests keep
the module's own numpy computation equal to the library it replaced at run time
(datasketch stays a test dependency, as the oracle).
"""

from __future__ import annotations

import numpy as np
from datasketch import MinHash
from hypothesis import given, settings
from hypothesis import strategies as st

from newswatch.extractors.fingerprint import (
    MIN_WORDS,
    MINHASH_SCHEME,
    MINHASH_SEED,
    NUM_PERM,
    fingerprint,
    minhash_permutations,
    minhash_signature,
    normalise_text,
    word_shingles,
)

WORD = st.text(
    alphabet=st.characters(codec="utf-8", categories=("L", "N")), min_size=1, max_size=12
)


def datasketch_signature(words: list[str]) -> tuple[int, ...]:
    sketch = MinHash(num_perm=NUM_PERM, seed=MINHASH_SEED, scheme=MINHASH_SCHEME)
    sketch.update_batch(word_shingles(words))
    return tuple(int(v) for v in sketch.hashvalues)


def test_the_permutations_are_datasketchs() -> None:
    theirs = MinHash(num_perm=NUM_PERM, seed=MINHASH_SEED, scheme=MINHASH_SCHEME).permutations
    a, b = minhash_permutations()
    assert np.array_equal(a, theirs[0]) and np.array_equal(b, theirs[1])
    assert (a % 2 == 1).all()  # odd multipliers: each permutation is a bijection


@settings(max_examples=200, deadline=None)
@given(st.lists(WORD, min_size=0, max_size=300))
def test_the_signature_equals_datasketchs_for_any_words(words: list[str]) -> None:
    assert minhash_signature(words) == datasketch_signature(words)


def test_a_news_length_text_signs_as_datasketch_does() -> None:
    sentence = (
        "the two presidents spoke by telephone for more than an hour on tuesday the kremlin "
        "said and agreed that their teams would meet next week to prepare a summit"
    )
    words = sentence.split(" ") * 20
    signature = minhash_signature(words)
    assert len(signature) == NUM_PERM and len(set(signature)) > 1
    assert signature == datasketch_signature(words)


def test_a_text_too_short_for_a_shingle_gets_the_empty_signature() -> None:
    assert minhash_signature(["only", "four", "words", "here"]) == (2**32 - 1,) * NUM_PERM
    assert minhash_signature(["only", "four", "words", "here"]) == datasketch_signature(
        ["only", "four", "words", "here"]
    )


SEPARATOR = st.sampled_from([" ", "  ", "\n\n", ", ", " — ", "“", "'s ", "\t", "."])
# Texts on both sides of MIN_WORDS, words in any script, any punctuation between them.
TEXT = st.lists(st.tuples(WORD, SEPARATOR), min_size=MIN_WORDS - 10, max_size=300).map(
    lambda pairs: "".join(word + separator for word, separator in pairs)
)


@settings(max_examples=60, deadline=None)
@given(TEXT)
def test_a_fingerprint_signs_its_normalised_words_as_datasketch_does(text: str) -> None:
    # fingerprint() slices shingles out of the encoded normalised text instead of joining
    # words: the values must be the ones datasketch computes from the word list.
    words = normalise_text(text).split()
    fp = fingerprint(text, near_copy=True)
    assert fp.word_count == len(words)
    if len(words) >= MIN_WORDS:
        assert fp.signature == datasketch_signature(words)
    else:
        assert fp.signature is None
