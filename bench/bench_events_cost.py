"""What event extraction costs next to cleaning, per article, measured side by side.

Cleans every corpus page (extractors.clean) and extracts events from each cleaned article
with the rule-based extractor, several rounds each, in one process; prints the median time
per article for both stages and their ratio (extract / clean).

    .venv/bin/python bench/bench_events_cost.py [CORPUS_DIR] [ROUNDS]
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchdata import CORPUS  # noqa: E402

from newswatch.config import load_watch  # noqa: E402
from newswatch.extractors.clean import clean_page  # noqa: E402
from newswatch.extractors.events import RuleBasedExtractor  # noqa: E402

DEFAULT_CORPUS = CORPUS


def main(argv: list[str]) -> int:
    corpus = Path(argv[0]) if argv else DEFAULT_CORPUS
    rounds = int(argv[1]) if len(argv) > 1 else 5
    watch = load_watch(REPO / "deployments" / "watches" / "trump-putin.toml")
    raw = json.loads((corpus / "labels.json").read_text(encoding="utf-8"))
    pages = [
        (
            (corpus / e["file"]).read_text(encoding="utf-8"),
            "https://" + e.get("outlet", "page.example") + e["url_path"],
        )
        for e in raw["articles"]
    ]
    extractor = RuleBasedExtractor()
    articles = [clean_page(html, url) for html, url in pages]
    extractor.extract(articles[0], watch)  # compile the watch's vocabulary once, as a run does

    clean_times: list[float] = []
    extract_times: list[float] = []
    for _ in range(rounds):
        # Interleaved page by page, so a busy machine slows both stages alike.
        clean_total = extract_total = 0.0
        for (html, url), article in zip(pages, articles, strict=True):
            start = time.perf_counter()
            clean_page(html, url)
            middle = time.perf_counter()
            extractor.extract(article, watch)
            clean_total += middle - start
            extract_total += time.perf_counter() - middle
        clean_times.append(clean_total / len(pages))
        extract_times.append(extract_total / len(pages))
    clean_ms = statistics.median(clean_times) * 1000
    extract_ms = statistics.median(extract_times) * 1000
    chars = sum(len(a.text) for a in articles) / len(articles)
    print(f"pages: {len(pages)}  rounds: {rounds}  mean article text: {chars:.0f} chars")
    print(f"clean   : {clean_ms:8.2f} ms/article")
    print(f"extract : {extract_ms:8.2f} ms/article")
    print(f"ratio extract/clean: {extract_ms / clean_ms:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
