"""What reading a page costs on the cleaning workers, stage by stage, against bare trafilatura.

The pages of bench/bench_throughput.py (every tenth reports a Trump-Putin call), in one
process: each round times bare `trafilatura.extract` on every page, then each page through
the worker's stages (core.reading.read_page's parts: clean, events, fingerprint, site
observation), so machine drift hits both alike. Prints the median round's CPU per page of
each stage and its share of bare trafilatura; the sum is the workers' part of the
marginal-cost figure of bench_throughput.py.

    .venv/bin/python bench/bench_read_stages.py [--pages 1000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from bench_throughput import article_page, bare_trafilatura_seconds, write_watch  # noqa: E402

from newswatch.config import Watch, load_watch  # noqa: E402
from newswatch.core.reading import warm_up  # noqa: E402
from newswatch.extractors.clean import clean_page  # noqa: E402
from newswatch.extractors.clean_site import page_observation  # noqa: E402
from newswatch.extractors.copies import fingerprint_article  # noqa: E402
from newswatch.extractors.events import extractor_for  # noqa: E402

STAGES = ("clean", "events", "fingerprint", "observation")


def one_round(html: list[str], watch: Watch) -> dict[str, float]:
    """CPU seconds of bare trafilatura and of each stage over all pages."""
    spent = dict.fromkeys(STAGES, 0.0)
    spent["bare"] = bare_trafilatura_seconds(html)
    extractor = extractor_for(watch)
    now = datetime.now(UTC)
    for i, page in enumerate(html):
        t0 = time.process_time()
        article = clean_page(
            page, f"https://bench.example/a/{i}", {}, source="bench", fetched_at=now
        )
        t1 = time.process_time()
        if article.page_kind == "article":
            extractor.extract(article, watch)
        t2 = time.process_time()
        fingerprint_article(article)
        t3 = time.process_time()
        page_observation(article.url, article.text)
        t4 = time.process_time()
        for stage, seconds in zip(STAGES, (t1 - t0, t2 - t1, t3 - t2, t4 - t3), strict=True):
            spent[stage] += seconds
    return spent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-read-stages-"))
    watch = load_watch(write_watch(folder / "watch.toml", "http://127.0.0.1:9/feed.xml", 10))
    html = [article_page(i).decode() for i in range(args.pages)]
    warm_up(watch)  # what the run loads before its workers fork, outside the timing
    one_round(html[:20], watch)
    rounds = [one_round(html, watch) for _ in range(args.rounds)]
    middle = sorted(rounds, key=lambda r: sum(r[s] for s in STAGES) / r["bare"])[len(rounds) // 2]
    per_page = 1000 / args.pages
    print(f"{args.pages} bench pages, {args.rounds} rounds; the median round (ms CPU a page):")
    print(f"  {'bare trafilatura.extract':26} {middle['bare'] * per_page:6.3f}")
    for stage in STAGES:
        share = middle[stage] / middle["bare"]
        print(f"  {stage:26} {middle[stage] * per_page:6.3f}   {share:.2f} x bare")
    total = sum(middle[s] for s in STAGES)
    print(f"  {'all four':26} {total * per_page:6.3f}   {total / middle['bare']:.2f} x bare")


if __name__ == "__main__":
    main()
