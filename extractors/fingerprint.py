"""Text fingerprints for copy detection: a hash of the normalised text and a MinHash.

Pure: text in, values out. The MinHash (datasketch 2.0's "affine32" scheme, fixed seed)
is over word shingles of the normalised text, so two processes, or two runs a month
apart, compute the same signature for the same text. LSH band buckets are derived from
the signature here, so storage only ever compares integers.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from itertools import accumulate

import numpy as np

# Words per shingle. On the shared corpus every size from 3 to 6 separates the labelled
# near-copies from all other pairs (bench/bench_copies_corpus.py; at 5: copy pairs
# 0.76-0.90 on clean-stage text, 0.68-0.80 on raw trafilatura text; every other pair,
# including independent articles on one event, at most 0.05). 5 is the usual choice for
# news: stock phrases ("the Kremlin said on") are rarely shared whole, and a swapped word
# breaks only five shingles.
SHINGLE_SIZE = 5

# MinHash permutations. The standard error of the estimated Jaccard is about
# sqrt(J(1-J)/NUM_PERM): 0.044 at J = 0.5 with 128, so NEAR_COPY_THRESHOLD sits four
# standard errors away from both the lowest copy pair and the highest non-copy pair.
NUM_PERM = 128

# LSH banding: BANDS bands of ROWS signature values each (the first BANDS*ROWS values).
# Two texts become candidates when any band is equal, with probability
# 1 - (1 - J**ROWS)**BANDS: 0.93 at J = 0.5, 0.992 at 0.6, 0.9999 at 0.7. 20 x 3 keeps
# that recall above 32 x 4 (0.87 at 0.5) with 20 instead of 32 index entries per article,
# which is most of the database cost (bench/bench_copies_scale.py). Candidates below the
# threshold are rejected by verification, so the looser curve costs only lookups.
BANDS = 20
ROWS = 3

# Estimated Jaccard (5-word shingles) at or above which two texts are near-copies.
# Chosen on the shared corpus with bench/bench_copies_corpus.py: labelled copy pairs (new
# headline, added intro line, last paragraph cut) estimate 0.73-0.87 on clean text and
# 0.62-0.79 on raw trafilatura text; all other pairs at most 0.06. Every threshold from
# 0.1 to 0.6 gives pair precision and recall 1.0 there; 0.5 is where the LSH recall is
# already 0.93, it lies four standard errors (see NUM_PERM) below the lowest true copy
# Jaccard (0.68), and texts sharing only boilerplate or a quoted passage stay far below.
NEAR_COPY_THRESHOLD = 0.5

# Texts with fewer words are not fingerprinted for exact or near copies: stubs, teasers
# and paywall notices are mostly shared boilerplate, so equal text does not mean the same
# article. The shortest article in the shared corpus has 155 words; a paragraph is ~50.
MIN_WORDS = 50

# Fixed seed: signatures must agree across processes and runs (they are stored).
MINHASH_SEED = 20250212
# The scheme, in datasketch's name for it. The signature is computed here, value for value
# what datasketch 2.0 computes (tests/test_fingerprint_minhash.py checks it against
# datasketch itself): importing datasketch imports SciPy, 67 MiB of memory and 0.37 s in
# every run that reads a page, for a few lines of numpy. Written out, an upgrade of
# anything cannot change stored signatures.
MINHASH_SCHEME = "affine32"
# MurmurHash3's 32-bit finalizer: the fixed mix applied to each shingle hash first.
_FMIX32 = (np.uint32(16), np.uint32(0x85EBCA6B), np.uint32(13), np.uint32(0xC2B2AE35))

_NON_WORD = re.compile(r"[\W_]+")
# 32-bit words in a SHA-1 digest.
_DIGEST_WORDS = 5
# Each band's number as the two bytes its bucket hash starts with.
_BAND_PREFIXES = tuple(band.to_bytes(2, "little") for band in range(BANDS))


@dataclass(frozen=True)
class Fingerprint:
    """What copy detection compares: exact-text hash, MinHash signature, LSH band buckets.

    `signature` is None (and `bands` empty) for texts too short or not articles: those
    take part in canonical-URL matching only.
    """

    content_hash: str
    signature: tuple[int, ...] | None
    bands: tuple[tuple[int, int], ...]
    word_count: int

    @property
    def near_copy_eligible(self) -> bool:
        """True when this text takes part in exact and near-copy matching."""
        return self.signature is not None


def normalise_text(text: str) -> str:
    """Case-folded words separated by single spaces: punctuation, quotes and layout dropped."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(_NON_WORD.sub(" ", folded).split())


def content_hash(text: str) -> str:
    """A stable hex hash of the normalised text (equal for exact copies)."""
    return hashlib.blake2b(normalise_text(text).encode("utf-8"), digest_size=16).hexdigest()


def word_shingles(words: Sequence[str], size: int = SHINGLE_SIZE) -> list[bytes]:
    """Overlapping runs of `size` words, encoded for hashing (none for shorter texts).

    The definition; the signature takes the same bytes as slices of the encoded text.
    """
    return [" ".join(words[i : i + size]).encode("utf-8") for i in range(len(words) - size + 1)]


@cache
def minhash_permutations() -> tuple[np.ndarray, np.ndarray]:
    """(a, b) of the NUM_PERM affine permutations h -> a*h + b (mod 2**32), a odd.

    Drawn once per process from the fixed seed, in datasketch's order of draws.
    """
    draws = np.random.RandomState(MINHASH_SEED)
    a = draws.randint(0, 1 << 31, NUM_PERM, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = draws.randint(0, 1 << 32, NUM_PERM, dtype=np.uint32)
    return a, b


def _shingle_hashes(shingles: Iterable[bytes]) -> np.ndarray:
    """Each shingle's first four SHA-1 bytes as a little-endian integer, then mixed."""
    sha1 = hashlib.sha1
    # Whole digests joined and every fifth 32-bit word taken: cutting each digest to four
    # bytes would make one more bytes object per shingle.
    digests = b"".join([sha1(s).digest() for s in shingles])
    h = np.frombuffer(digests, dtype="<u4")[::_DIGEST_WORDS].astype(np.uint32)
    shift1, multiply1, shift2, multiply2 = _FMIX32
    h = (h ^ (h >> shift1)) * multiply1
    h = (h ^ (h >> shift2)) * multiply2
    return h ^ (h >> shift1)


def minhash_signature(words: Sequence[str]) -> tuple[int, ...]:
    """The NUM_PERM-value MinHash of a text's word shingles (deterministic across processes).

    `words` as `normalise_text(...).split()` gives them (none holds a space). A text
    without shingles gets the empty signature (every value 2**32 - 1).
    """
    return _signature_of_spaced(" ".join(words).encode("utf-8"))


def _signature_of_spaced(data: bytes) -> tuple[int, ...]:
    """The MinHash of `data`, words separated by single spaces (a normalised text, encoded).

    Each shingle is a slice of `data`, the bytes `word_shingles` would join and encode.
    """
    # Byte offset just past each word's space: word i starts at starts[i].
    starts = [0, *accumulate(len(word) + 1 for word in data.split(b" "))]
    count = len(starts) - SHINGLE_SIZE  # shingles: words - SHINGLE_SIZE + 1
    return _signature_of_hashes(
        _shingle_hashes(data[starts[i] : starts[i + SHINGLE_SIZE] - 1] for i in range(count))
    )


def _signature_of_hashes(hashes: np.ndarray) -> tuple[int, ...]:
    if not len(hashes):
        return (2**32 - 1,) * NUM_PERM
    a, b = minhash_permutations()
    # uint32 arrays wrap on overflow: that wrap is the mod 2**32 of the permutation.
    permuted = np.multiply.outer(hashes, a)
    permuted += b
    return tuple(permuted.min(axis=0).tolist())


def band_buckets(signature: Sequence[int]) -> tuple[tuple[int, int], ...]:
    """(band, bucket) for each LSH band; the bucket hashes the band number with its values.

    Because the band number is inside the hash, equal buckets mean equal bands, so
    storage can look candidates up by bucket alone (one single-column index).
    """
    # The banded values as little-endian bytes once, then sliced: slicing the array per
    # band cost as much as the hashing.
    packed = np.asarray(signature[: BANDS * ROWS], dtype="<u4").tobytes()
    width = ROWS * 4
    buckets = []
    for band in range(BANDS):
        key = _BAND_PREFIXES[band] + packed[band * width : (band + 1) * width]
        digest = hashlib.blake2b(key, digest_size=4).digest()
        buckets.append((band, int.from_bytes(digest, "little")))
    return tuple(buckets)


def fingerprint(text: str, *, near_copy: bool = True) -> Fingerprint:
    """Fingerprint a clean text; `near_copy=False` (listings, stubs) keeps only the hash."""
    data = normalise_text(text).encode("utf-8")
    digest = hashlib.blake2b(data, digest_size=16).hexdigest()
    word_count = data.count(b" ") + 1 if data else 0
    if not near_copy or word_count < MIN_WORDS:
        return Fingerprint(digest, None, (), word_count)
    signature = _signature_of_spaced(data)
    return Fingerprint(digest, signature, band_buckets(signature), word_count)


def estimated_jaccard(a: Sequence[int], b: Sequence[int]) -> float:
    """The share of equal MinHash values: an unbiased estimate of the shingle Jaccard."""
    if len(a) != len(b) or not len(a):
        raise ValueError(f"signatures of different or zero length: {len(a)} and {len(b)}")
    equal = np.count_nonzero(np.asarray(a, dtype=np.uint32) == np.asarray(b, dtype=np.uint32))
    return float(equal) / len(a)
