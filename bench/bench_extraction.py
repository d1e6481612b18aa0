"""Main-text extraction quality on two benchmarks, side by side, in one run.

1. `article-extraction` (scrapinghub, 181 news pages, ground-truth text, 14 peers' stored
   outputs in reference-outputs/*.json). Its own metric: word 4-gram shingle multisets,
   per-document precision and recall normalised by the document's shingle count, averaged
   over documents; an empty prediction counts in recall (as 0) but not in precision; F1 is
   the harmonic mean of the averages.
2. `trafilatura-eval` (~990 general-web pages in several languages, snippets a good text
   must contain and snippets it must not). Its own scoring: per page, a "with" snippet
   found is a true positive, missing a false negative; a "without" snippet found a false
   positive, absent a true negative; precision, recall, F1 and accuracy over all pages.

newswatch (`clean_page`) and bare `trafilatura.extract` (default options) run on the same
pages in the same process; the peers' published outputs are scored where present (only the
first benchmark has them). A cleaning change is taken only when it helps both.

    .venv/bin/python bench/bench_extraction.py [--limit N] [--worst N]
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
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import trafilatura  # noqa: E402
from benchdata import BENCHMARK, SHARED  # noqa: E402
from trafilatura.utils import decode_file  # noqa: E402

from newswatch.extractors.clean import clean_page  # noqa: E402

SNIPPET_BENCHMARK = SHARED / "benchmarks" / "trafilatura-eval"

Shingle = tuple[str, ...]
Counts = tuple[float, float, float]  # true positives, false positives, false negatives
Extractor = Callable[[str, str], str]  # (html, url) -> main text

_TOKEN = re.compile(r"\w+", re.UNICODE)
SHINGLE_SIZE = 4


@dataclass(frozen=True)
class TruthPage:
    """An article-extraction page: its HTML and the ground-truth body."""

    key: str
    url: str
    html: str
    body: str


@dataclass(frozen=True)
class SnippetPage:
    """A trafilatura-eval page: its HTML, snippets that must be in the text and must not."""

    key: str
    url: str
    html: str
    with_snippets: tuple[str, ...]
    without_snippets: tuple[str, ...]


@dataclass(frozen=True)
class SnippetScore:
    true_positives: int
    false_negatives: int
    false_positives: int
    true_negatives: int

    @property
    def precision(self) -> float:
        return self.true_positives / max(1, self.true_positives + self.false_positives)

    @property
    def recall(self) -> float:
        return self.true_positives / max(1, self.true_positives + self.false_negatives)

    @property
    def f1(self) -> float:
        tp, fp, fn = self.true_positives, self.false_positives, self.false_negatives
        return 2 * tp / max(1, 2 * tp + fp + fn)

    @property
    def accuracy(self) -> float:
        tp, tn = self.true_positives, self.true_negatives
        return (tp + tn) / max(1, tp + tn + self.false_positives + self.false_negatives)


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


def shingle_score(counts: list[Counts]) -> tuple[float, float, float]:
    """(precision, recall, F1) averaged over documents the way the benchmark does."""
    p = statistics.mean([precision(*c) for c in counts if c[0] + c[1] > 0] or [0.0])
    r = statistics.mean([recall(*c) for c in counts if c[0] + c[2] > 0] or [0.0])
    return p, r, 2 * p * r / (p + r) if p + r else 0.0


def snippet_counts(page: SnippetPage, text: str) -> SnippetScore:
    """trafilatura's evaluation of one page: plain substring checks on the extracted text."""
    found = [s in text for s in page.with_snippets]
    leaked = [s in text for s in page.without_snippets]
    return SnippetScore(sum(found), len(found) - sum(found), sum(leaked), len(leaked) - sum(leaked))


def snippet_score(scores: Iterable[SnippetScore]) -> SnippetScore:
    totals = [0, 0, 0, 0]
    for s in scores:
        for i, v in enumerate(
            (s.true_positives, s.false_negatives, s.false_positives, s.true_negatives)
        ):
            totals[i] += v
    return SnippetScore(*totals)


def load_outputs(path: Path) -> dict[str, str]:
    data = json.loads(path.read_text(encoding="utf-8"))
    if set(data) == {"output", "version"}:
        data = data["output"]
    return {key: (value or {}).get("articleBody") or "" for key, value in data.items()}


def load_truth_pages(limit: int = 0) -> list[TruthPage]:
    truth = json.loads((BENCHMARK / "ground-truth.json").read_text(encoding="utf-8"))
    pages = []
    for key, item in list(truth.items())[: limit or None]:
        with gzip.open(BENCHMARK / "html" / f"{key}.html.gz", "rt", encoding="utf-8") as handle:
            pages.append(TruthPage(key, item.get("url", ""), handle.read(), item["articleBody"]))
    return pages


def load_snippet_pages(limit: int = 0) -> list[SnippetPage]:
    """The trafilatura-eval pages present (entries naming a missing file are skipped), decoded
    the way trafilatura decodes bytes, so both extractors get the same string."""
    data = json.loads((SNIPPET_BENCHMARK / "evaldata.json").read_text(encoding="utf-8"))
    pages = []
    for url, item in data.items():
        path = SNIPPET_BENCHMARK / "html" / f"{item['file']}.gz"
        if not path.exists():
            continue
        html = decode_file(gzip.decompress(path.read_bytes()))
        pages.append(
            SnippetPage(
                item["file"], url, html, tuple(item["with"] or ()), tuple(item["without"] or ())
            )
        )
        if limit and len(pages) >= limit:
            break
    return pages


def newswatch_text(html: str, url: str) -> str:
    return clean_page(html, url).text


def bare_trafilatura_text(html: str, _url: str) -> str:
    return trafilatura.extract(html) or ""


EXTRACTORS: dict[str, Extractor] = {
    "newswatch": newswatch_text,
    "trafilatura (bare, this run)": bare_trafilatura_text,
}


def run(
    extractor: Extractor, pages: Iterable[TruthPage | SnippetPage]
) -> tuple[dict[str, str], float]:
    started = time.perf_counter()
    texts = {page.key: extractor(page.html, page.url) for page in pages}
    return texts, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=0, help="first N pages of each benchmark")
    parser.add_argument("--worst", type=int, default=0, help="list the N worst newswatch pages")
    args = parser.parse_args()
    for path in (BENCHMARK, SNIPPET_BENCHMARK):
        if not path.exists():
            sys.exit(f"benchmark data not found at {path}")
    truth_pages = load_truth_pages(args.limit)
    snippet_pages = load_snippet_pages(args.limit)

    truth_rows: dict[str, tuple[float, float, float]] = {}
    snippet_rows: dict[str, SnippetScore] = {}
    timings: dict[str, float] = {}
    per_page: dict[str, tuple[dict[str, str], dict[str, str]]] = {}
    for name, extractor in EXTRACTORS.items():
        truth_texts, truth_seconds = run(extractor, truth_pages)
        snippet_texts, snippet_seconds = run(extractor, snippet_pages)
        timings[name] = truth_seconds + snippet_seconds
        per_page[name] = (truth_texts, snippet_texts)
        truth_rows[name] = shingle_score(
            [shingle_counts(p.body, truth_texts[p.key]) for p in truth_pages]
        )
        snippet_rows[name] = snippet_score(
            snippet_counts(p, snippet_texts[p.key]) for p in snippet_pages
        )
    for path in sorted((BENCHMARK / "reference-outputs").glob("*.json")):
        peer = load_outputs(path)
        truth_rows[path.stem] = shingle_score(
            [shingle_counts(p.body, peer.get(p.key, "")) for p in truth_pages]
        )

    print(
        f"article-extraction: {len(truth_pages)} pages (F1 on 4-gram shingles)   |   "
        f"trafilatura-eval: {len(snippet_pages)} pages (snippets)"
    )
    print(
        f"{'extractor':<30} {'P':>7} {'R':>7} {'F1':>7}   | {'P':>7} {'R':>7} {'F1':>7} {'acc':>7}"
    )
    for name, (p, r, f1) in sorted(truth_rows.items(), key=lambda row: -row[1][2]):
        right = "      (no published output)"
        if name in snippet_rows:
            s = snippet_rows[name]
            right = f"{s.precision:>7.4f} {s.recall:>7.4f} {s.f1:>7.4f} {s.accuracy:>7.4f}"
        print(f"{name:<30} {p:>7.4f} {r:>7.4f} {f1:>7.4f}   | {right}")
    peers = {k: v for k, v in truth_rows.items() if k != "newswatch"}
    best = max(peers, key=lambda k: peers[k][2])
    ours, bare = snippet_rows["newswatch"], snippet_rows["trafilatura (bare, this run)"]
    print(
        f"newswatch minus best other on article-extraction ({best}): "
        f"F1 {truth_rows['newswatch'][2] - peers[best][2]:+.4f}"
    )
    print(
        f"newswatch minus bare trafilatura on trafilatura-eval: F1 {ours.f1 - bare.f1:+.4f}, "
        f"accuracy {ours.accuracy - bare.accuracy:+.4f}"
    )
    print(
        "seconds, run one after the other (bench_clean_speed.py interleaves them for the cost ratio): "
        + ", ".join(f"{name} {seconds:.1f}" for name, seconds in timings.items())
    )

    if args.worst:
        truth_texts, snippet_texts = per_page["newswatch"]
        ranked = sorted(
            truth_pages,
            key=lambda p: min(
                precision(*shingle_counts(p.body, truth_texts[p.key])),
                recall(*shingle_counts(p.body, truth_texts[p.key])),
            ),
        )
        for page in ranked[: args.worst]:
            c = shingle_counts(page.body, truth_texts[page.key])
            print(f"  AE {page.key[:10]} P={precision(*c):.2f} R={recall(*c):.2f} {page.url[:80]}")
        bad = sorted(
            snippet_pages,
            key=lambda p: (
                -(
                    snippet_counts(p, snippet_texts[p.key]).false_negatives
                    + snippet_counts(p, snippet_texts[p.key]).false_positives
                )
            ),
        )
        for page in bad[: args.worst]:
            s = snippet_counts(page, snippet_texts[page.key])
            print(f"  TE {page.key[:40]} FN={s.false_negatives} FP={s.false_positives}")


if __name__ == "__main__":
    main()
