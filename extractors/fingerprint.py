"""Text fingerprints for copy detection: a hash of the normalised text and a MinHash.

Pure: text in, values out. The MinHash (datasketch, fixed seed and permutation scheme)
is over word shingles of the normalised text, so two processes, or two runs a month
apart, compute the same signature for the same text. LSH band buckets are derived from
the signature here, so storage only ever compares integers.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np
from datasketch import MinHash

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
# datasketch's permutation scheme, pinned so an upgrade cannot silently change signatures.
MINHASH_SCHEME = "affine32"

_NON_WORD = re.compile(r"[\W_]+")


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
    """Overlapping runs of `size` words, encoded for hashing (none for shorter texts)."""
    return [" ".join(words[i : i + size]).encode("utf-8") for i in range(len(words) - size + 1)]


@cache
def _permutations() -> Any:
    # Drawn once per process from the fixed seed: a third of the cost of a signature.
    return MinHash(num_perm=NUM_PERM, seed=MINHASH_SEED, scheme=MINHASH_SCHEME).permutations


def minhash_signature(words: Sequence[str]) -> tuple[int, ...]:
    """The NUM_PERM-value MinHash of a text's word shingles (deterministic across processes)."""
    sketch = MinHash(
        num_perm=NUM_PERM, seed=MINHASH_SEED, scheme=MINHASH_SCHEME, permutations=_permutations()
    )
    sketch.update_batch(word_shingles(words))
    return tuple(int(v) for v in sketch.hashvalues)


def band_buckets(signature: Sequence[int]) -> tuple[tuple[int, int], ...]:
    """(band, bucket) for each LSH band; the bucket hashes the band number with its values.

    Because the band number is inside the hash, equal buckets mean equal bands, so
    storage can look candidates up by bucket alone (one single-column index).
    """
    values = np.asarray(signature, dtype="<u4")
    out = []
    for band in range(BANDS):
        chunk = values[band * ROWS : (band + 1) * ROWS].tobytes()
        digest = hashlib.blake2b(band.to_bytes(2, "little") + chunk, digest_size=4).digest()
        out.append((band, int.from_bytes(digest, "little")))
    return tuple(out)


def fingerprint(text: str, *, near_copy: bool = True) -> Fingerprint:
    """Fingerprint a clean text; `near_copy=False` (listings, stubs) keeps only the hash."""
    words = normalise_text(text).split()
    digest = hashlib.blake2b(" ".join(words).encode("utf-8"), digest_size=16).hexdigest()
    if not near_copy or len(words) < MIN_WORDS:
        return Fingerprint(digest, None, (), len(words))
    signature = minhash_signature(words)
    return Fingerprint(digest, signature, band_buckets(signature), len(words))


def estimated_jaccard(a: Sequence[int], b: Sequence[int]) -> float:
    """The share of equal MinHash values: an unbiased estimate of the shingle Jaccard."""
    if len(a) != len(b) or not len(a):
        raise ValueError(f"signatures of different or zero length: {len(a)} and {len(b)}")
    equal = np.count_nonzero(np.asarray(a, dtype=np.uint32) == np.asarray(b, dtype=np.uint32))
    return float(equal) / len(a)
