"""Article-body extraction quality on the scrapinghub article-extraction benchmark.

Runs `clean_page` on the 181 benchmark pages and scores its text beside every stored peer
output (reference-outputs/*.json) with the benchmark's own metric: word 4-gram shingle
multisets, per-document precision and recall normalised by the document's shingle count,
averaged over documents; a document with an empty prediction counts in recall (as 0)
but not in precision, and F1 is the harmonic mean of the averages.

    .venv/bin/python bench/bench_extraction.py [--worst N] [--bare]

--bare adds bare `trafilatura.extract` (default options) and newswatch's own trafilatura
options without the rules, so the gain of each layer is visible in one run.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchdata import BENCHMARK  # noqa: E402

from newswatch.extractors.clean import clean_page, extract_main_text  # noqa: E402

Shingle = tuple[str, ...]
Counts = tuple[float, float, float]  # true positives, false positives, false negatives

_TOKEN = re.compile(r"\w+", re.UNICODE)
SHINGLE_SIZE = 4


def shingles(text: str, size: int = SHINGLE_SIZE) -> Counter[Shingle]:
    """Word n-gram multiset; a text shorter than `size` words is one short shingle."""
    tokens = _TOKEN.findall(text or "")
    grams = (tuple(tokens[i : i + size]) for i in range(max(1, len(tokens) - size + 1)))
    return Counter(g for g in grams if g)


def shingle_counts(true: str, predicted: str) -> Counts:
    """TP/FP/FN over shingles, divided by their sum so every document weighs the same."""
    truth, guess = shingles(true), shingles(predicted)
    tp = fp = fn = 0.0
    for key in truth.keys() | guess.keys():
        t, g = truth.get(key, 0), guess.get(key, 0)
        tp += min(t, g)
        fp += max(0, g - t)
        fn += max(0, t - g)
    total = tp + fp + fn
    if total > 0:
        return tp / total, fp / total, fn / total
    return tp, fp, fn


def precision(tp: float, fp: float, fn: float) -> float:
    if fp == fn == 0:
        return 1.0
    if tp == fp == 0:
        return 0.0
    return tp / (tp + fp)


def recall(tp: float, fp: float, fn: float) -> float:
    if fp == fn == 0:
        return 1.0
    if tp == fn == 0:
        return 0.0
    return tp / (tp + fn)


def score(counts: list[Counts]) -> tuple[float, float, float]:
    """(precision, recall, F1) averaged over documents the way the benchmark does."""
    p = statistics.mean(precision(*c) for c in counts if c[0] + c[1] > 0)
    r = statistics.mean(recall(*c) for c in counts if c[0] + c[2] > 0)
    return p, r, 2 * p * r / (p + r)


def load_outputs(path: Path) -> dict[str, str]:
    data = json.loads(path.read_text(encoding="utf-8"))
    if set(data) == {"output", "version"}:
        data = data["output"]
    return {key: (value or {}).get("articleBody") or "" for key, value in data.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--worst", type=int, default=0, help="list the N worst newswatch documents")
    parser.add_argument(
        "--bare",
        action="store_true",
        help="also score bare trafilatura and newswatch without rules",
    )
    args = parser.parse_args()
    if not BENCHMARK.exists():
        sys.exit(f"benchmark data not found at {BENCHMARK}")
    truth = json.loads((BENCHMARK / "ground-truth.json").read_text(encoding="utf-8"))
    pages = {}
    for key in truth:
        with gzip.open(BENCHMARK / "html" / f"{key}.html.gz", "rt", encoding="utf-8") as handle:
            pages[key] = handle.read()

    started = time.perf_counter()
    ours = {key: clean_page(html, truth[key].get("url", "")).text for key, html in pages.items()}
    elapsed = time.perf_counter() - started

    rows: list[tuple[str, tuple[float, float, float]]] = []
    ours_counts = [shingle_counts(truth[k]["articleBody"], ours[k]) for k in truth]
    rows.append(("newswatch", score(ours_counts)))
    if args.bare:
        import trafilatura
        from trafilatura.utils import load_html

        bare = {k: trafilatura.extract(h) or "" for k, h in pages.items()}
        rows.append(
            (
                "trafilatura (bare)",
                score([shingle_counts(truth[k]["articleBody"], bare[k]) for k in truth]),
            )
        )
        options = {
            k: extract_main_text(load_html(h), truth[k].get("url", "")) for k, h in pages.items()
        }
        label = "newswatch cascade, no rules"
        rows.append(
            (label, score([shingle_counts(truth[k]["articleBody"], options[k]) for k in truth]))
        )
    for path in sorted((BENCHMARK / "reference-outputs").glob("*.json")):
        peer = load_outputs(path)
        rows.append(
            (
                path.stem,
                score([shingle_counts(truth[k]["articleBody"], peer.get(k, "")) for k in truth]),
            )
        )

    print(f"article-extraction benchmark: {len(truth)} pages, newswatch clean_page {elapsed:.1f} s")
    print(f"{'extractor':<34} {'precision':>9} {'recall':>9} {'F1':>9}")
    for name, (p, r, f1) in sorted(rows, key=lambda row: -row[1][2]):
        print(f"{name:<34} {p:>9.4f} {r:>9.4f} {f1:>9.4f}")
    best_peer = max(
        (row for row in rows if not row[0].startswith("newswatch")), key=lambda row: row[1][2]
    )
    print(f"newswatch F1 minus best peer ({best_peer[0]}): {rows[0][1][2] - best_peer[1][2]:+.4f}")

    if args.worst:
        ranked = sorted(
            zip(truth, ours_counts, strict=True),
            key=lambda kc: min(precision(*kc[1]), recall(*kc[1])),
        )
        for key, counts in ranked[: args.worst]:
            print(
                f"  {key[:10]} P={precision(*counts):.2f} R={recall(*counts):.2f} {truth[key].get('url', '')[:90]}"
            )


if __name__ == "__main__":
    main()
