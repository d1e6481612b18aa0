"""Cleaning time per page: `clean_page` against one bare `trafilatura.extract` call.

Both run in one process, interleaved page by page (which goes first alternates), so
machine load hits both alike. Pages: the article-extraction benchmark's 181 pages, the
first --snippet-pages of trafilatura-eval (general web, several languages) and the 30
corpus pages. Goal (issue 17): clean_page time ≤ 1.5 x bare trafilatura time.

    .venv/bin/python bench/bench_clean_speed.py [--rounds N] [--snippet-pages N]
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import trafilatura  # noqa: E402
from benchdata import BENCHMARK, CORPUS  # noqa: E402

from newswatch.extractors.clean import clean_page  # noqa: E402

# The time budget: clean_page may take at most this many times one bare trafilatura call.
MAX_TIME_RATIO = 1.5


def load_pages(snippet_pages: int) -> list[tuple[str, str]]:
    """(url, html) for every benchmark and corpus page found."""
    from bench_extraction import SNIPPET_BENCHMARK, load_snippet_pages

    pages: list[tuple[str, str]] = []
    truth_file = BENCHMARK / "ground-truth.json"
    if truth_file.exists():
        truth = json.loads(truth_file.read_text(encoding="utf-8"))
        for key, item in truth.items():
            with gzip.open(BENCHMARK / "html" / f"{key}.html.gz", "rt", encoding="utf-8") as handle:
                pages.append((item.get("url", ""), handle.read()))
    if snippet_pages and SNIPPET_BENCHMARK.exists():
        pages.extend((p.url, p.html) for p in load_snippet_pages(snippet_pages))
    for path in sorted((CORPUS / "pages").glob("*.html")):
        pages.append((f"https://example.test/{path.name}", path.read_text(encoding="utf-8")))
    return pages


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2, help="passes over all pages")
    parser.add_argument(
        "--snippet-pages", type=int, default=300, help="trafilatura-eval pages to include"
    )
    args = parser.parse_args()
    pages = load_pages(args.snippet_pages)
    if not pages:
        sys.exit(f"no pages found under {BENCHMARK} or {CORPUS}")
    # Warm-up: imports, lazily built regexes and models are not per-page costs.
    for url, html in pages[:3]:
        trafilatura.extract(html)
        clean_page(html, url)

    bare_seconds = ours_seconds = 0.0
    for round_number in range(args.rounds):
        for index, (url, html) in enumerate(pages):
            ours_first = (index + round_number) % 2 == 0
            for turn in (0, 1):
                started = time.perf_counter()
                if (turn == 0) == ours_first:
                    clean_page(html, url)
                    ours_seconds += time.perf_counter() - started
                else:
                    trafilatura.extract(html)
                    bare_seconds += time.perf_counter() - started

    calls = len(pages) * args.rounds
    print(f"pages: {len(pages)} x {args.rounds} rounds, interleaved")
    print(f"bare trafilatura.extract: {bare_seconds:7.2f} s  {calls / bare_seconds:7.1f} pages/s")
    print(f"newswatch clean_page:     {ours_seconds:7.2f} s  {calls / ours_seconds:7.1f} pages/s")
    print(
        f"time ratio clean_page / trafilatura: {ours_seconds / bare_seconds:.3f}"
        f" (goal <= {MAX_TIME_RATIO})"
    )


if __name__ == "__main__":
    main()
