"""Copy detection on the shared corpus: how the shingle size and threshold were chosen.

Prints, for the 30 corpus pages (text from extractors.clean when it imports, else
trafilatura):
  1. exact shingle Jaccard of the labelled copy pairs against the closest other pairs,
     for shingle sizes 3..6;
  2. the estimated Jaccard (NUM_PERM MinHash) and LSH band collisions of those pairs;
  3. pair precision/recall of the near-copy layer alone for a sweep of thresholds;
  4. end to end through DuckDB (all layers, flow order and shuffled orders):
     pair precision/recall, and whether groups and originals depend on the order;
  5. fingerprint time per article: ours (datasketch's affine32 MinHash of SHA-1 shingle
     hashes, in numpy) against a MinHash over word hashes combined per shingle.

Run: .venv/bin/python bench/bench_copies_corpus.py [--trafilatura] [path/to/shared/corpus]
(--trafilatura: raw trafilatura text even when the clean stage exists, i.e. with the
time.news AI "interview" filler and widget lines the clean stage cuts.)
"""

from __future__ import annotations

import hashlib
import itertools
import random
import sys
import tempfile
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402
from benchdata import CORPUS  # noqa: E402

from newswatch.extractors.fingerprint import (  # noqa: E402
    NEAR_COPY_THRESHOLD,
    NUM_PERM,
    SHINGLE_SIZE,
    estimated_jaccard,
    fingerprint,
    normalise_text,
)
from newswatch.storage.db import ensure_schema, write_session  # noqa: E402
from newswatch.testing.copies import (  # noqa: E402
    CorpusPage,
    corpus_text_source,
    found_pairs,
    ingest,
    load_corpus,
    stored_groups,
    true_pairs,
)


def shingle_set(text: str, size: int) -> set[tuple[str, ...]]:
    words = normalise_text(text).split()
    return {tuple(words[i : i + size]) for i in range(len(words) - size + 1)}


def jaccard(a: set[tuple[str, ...]], b: set[tuple[str, ...]]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


def shingle_sizes(pages: list[CorpusPage], truth: set[frozenset[str]]) -> None:
    print("1. exact shingle Jaccard: labelled copy pairs vs the closest other pair")
    for size in (3, 4, 5, 6):
        sets = {p.name: shingle_set(p.article.text, size) for p in pages}
        scores = {
            frozenset((a, b)): jaccard(sets[a], sets[b])
            for a, b in itertools.combinations(sorted(sets), 2)
        }
        copies = [scores[pair] for pair in truth]
        worst_other = max((s, sorted(p)) for p, s in scores.items() if p not in truth)
        print(
            f"   k={size}: copy pairs {min(copies):.3f}..{max(copies):.3f}; "
            f"highest other pair {worst_other[0]:.3f} {worst_other[1]}"
            + ("   <- SHINGLE_SIZE" if size == SHINGLE_SIZE else "")
        )


def estimates(pages: list[CorpusPage], truth: set[frozenset[str]]) -> dict[frozenset[str], float]:
    print(f"2. estimated Jaccard (NUM_PERM={NUM_PERM}) and LSH band collisions")
    fps = {p.name: fingerprint(p.article.text) for p in pages}
    est: dict[frozenset[str], float] = {}
    for a, b in itertools.combinations(sorted(fps), 2):
        sa, sb = fps[a].signature, fps[b].signature
        if sa is None or sb is None:
            continue
        est[frozenset((a, b))] = estimated_jaccard(sa, sb)
    for pair in sorted(truth, key=sorted):
        a, b = sorted(pair)
        shared = len(set(fps[a].bands) & set(fps[b].bands))
        print(f"   copy pair {a}-{b}: estimated {est[pair]:.3f}, {shared} equal bands")
    others = sorted(((s, sorted(p)) for p, s in est.items() if p not in truth), reverse=True)[:3]
    for score, (a, b) in others:
        shared = len(set(fps[a].bands) & set(fps[b].bands))
        print(f"   other pair {a}-{b}: estimated {score:.3f}, {shared} equal bands")
    collided = sum(
        1
        for a, b in itertools.combinations(sorted(fps), 2)
        if frozenset((a, b)) not in truth and set(fps[a].bands) & set(fps[b].bands)
    )
    print(f"   other pairs with any equal band (candidates verification must reject): {collided}")
    return est


def threshold_sweep(est: dict[frozenset[str], float], truth: set[frozenset[str]]) -> None:
    print("3. near-copy layer alone (estimated Jaccard >= t): pair precision / recall")
    for t in (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8):
        found = {p for p, s in est.items() if s >= t}
        tp = len(found & truth)
        precision = tp / len(found) if found else 1.0
        recall = tp / len(truth)
        mark = "   <- NEAR_COPY_THRESHOLD" if abs(t - NEAR_COPY_THRESHOLD) < 1e-9 else ""
        print(f"   t={t:.1f}: precision {precision:.2f} recall {recall:.2f}{mark}")


def flow_order(pages: list[CorpusPage]) -> list[CorpusPage]:
    far = datetime.max.replace(tzinfo=UTC)
    return sorted(
        pages,
        key=lambda p: (
            p.article.published_at is None,
            p.article.published_at or far,
            p.article.canonical_url,
        ),
    )


def run_through_duckdb(pages: list[CorpusPage], workdir: Path, name: str) -> dict[str, str | None]:
    db = workdir / f"{name}.duckdb"
    ensure_schema(db)
    with write_session(db) as con:
        for page in pages:
            ingest(con, page.article)
        return stored_groups(con)


def end_to_end(pages: list[CorpusPage], truth: set[frozenset[str]]) -> None:
    print("4. end to end through DuckDB, all layers")
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        orders = {"flow order": flow_order(pages), "reversed": flow_order(pages)[::-1]}
        rng = random.Random(7)
        for i in range(3):
            shuffled = list(pages)
            rng.shuffle(shuffled)
            orders[f"shuffle {i + 1}"] = shuffled
        reference = None
        for label, order in orders.items():
            groups = run_through_duckdb(order, workdir, label.replace(" ", "_"))
            found = found_pairs(groups, pages)
            tp = len(found & truth)
            precision = tp / len(found) if found else 1.0
            print(
                f"   {label:10s}: pair precision {precision:.2f} recall {tp / len(truth):.2f}, "
                f"{len(found)} pairs, same groups and originals as flow order: "
                f"{reference is None or groups == reference}"
            )
            reference = reference or groups
        text_only = [
            replace(p, article=replace(p.article, declared_canonical_url=None)) for p in pages
        ]
        groups = run_through_duckdb(flow_order(text_only), workdir, "text_only")
        found = found_pairs(groups, pages)
        tp = len(found & truth)
        print(
            f"   without the URL layer: pair precision {tp / len(found) if found else 1.0:.2f} "
            f"recall {tp / len(truth):.2f}"
        )


def numpy_signature(words: list[str], a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """A MinHash over word hashes combined per shingle (multiply-shift), for its speed."""
    word_hashes = np.array(
        [
            int.from_bytes(hashlib.blake2b(w.encode(), digest_size=8).digest(), "little")
            for w in words
        ],
        dtype=np.uint64,
    )
    n = len(words) - SHINGLE_SIZE + 1
    shingles = np.zeros(n, dtype=np.uint64)
    for i in range(SHINGLE_SIZE):
        shingles = (shingles * np.uint64(0x100000001B3)) ^ word_hashes[i : i + n]
    hashed = (shingles[:, None] * a[None, :] + b[None, :]) >> np.uint64(32)
    result: np.ndarray = hashed.min(axis=0).astype(np.uint32)
    return result


def timing(pages: list[CorpusPage]) -> None:
    print("5. fingerprint time per article (as used) vs a MinHash over word hashes")
    texts = [p.article.text for p in pages]
    rounds = 20
    start = time.perf_counter()
    for _ in range(rounds):
        for text in texts:
            fingerprint(text)
    ours = (time.perf_counter() - start) / (rounds * len(texts)) * 1000
    rng = np.random.default_rng(1)
    a = rng.integers(1, 2**63, size=NUM_PERM, dtype=np.uint64) | np.uint64(1)
    b = rng.integers(0, 2**63, size=NUM_PERM, dtype=np.uint64)
    start = time.perf_counter()
    for _ in range(rounds):
        for text in texts:
            words = normalise_text(text).split()
            if len(words) >= SHINGLE_SIZE:
                numpy_signature(words, a, b)
    theirs = (time.perf_counter() - start) / (rounds * len(texts)) * 1000
    counts = [len(normalise_text(t).split()) for t in texts]
    print(
        f"   {sum(counts) / len(counts):.0f} words per article ({min(counts)}..{max(counts)}): fingerprint {ours:.3f} ms "
        f"(incl. hash and bands), word-hash MinHash only {theirs:.3f} ms, ratio {ours / theirs:.1f}"
    )


def main() -> None:
    args = sys.argv[1:]
    raw = "--trafilatura" in args
    paths = [a for a in args if not a.startswith("--")]
    corpus = Path(paths[0]) if paths else CORPUS
    pages = load_corpus(corpus, use_clean_stage=not raw)
    truth = true_pairs(pages)
    source = "trafilatura.extract (forced)" if raw else corpus_text_source()
    print(f"corpus: {len(pages)} pages, {len(truth)} labelled copy pairs; text: {source}")
    shingle_sizes(pages, truth)
    est = estimates(pages, truth)
    threshold_sweep(est, truth)
    end_to_end(pages, truth)
    timing(pages)


if __name__ == "__main__":
    main()
