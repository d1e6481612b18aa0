"""The cost of re-deciding copies in `newswatch reprocess --stage clean|all`.

Stores N synthetic articles (every fifth an exact copy of the one before) through the
store stage in batches of 50, as runs do, then times the two steps reprocess adds for
copies over the whole archive: fingerprinting every text again, and `rederive_copies`
(one look-up for all of them, the run's batch detector, the writes). Also checks that
re-deciding what a run decided changes nothing. The full reprocess against the first run
is bench/bench_throughput.py's figure.

Run: nice .venv/bin/python bench/bench_reprocess_copies.py [--articles 5000]
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from newswatch.core.store import store_with_copy_detection
from newswatch.core.types import ReadArticle
from newswatch.domain import Article
from newswatch.reprocess_copies import fingerprints_of, rederive_copies
from newswatch.storage.db import ensure_schema, read_session, write_session
from newswatch.storage.reprocess import articles_for_reprocess
from newswatch.testing.copies import story

BATCH = 50
START = datetime(2025, 1, 1, tzinfo=UTC)


def _articles(count: int) -> list[Article]:
    rng = random.Random(1)
    out: list[Article] = []
    for n in range(count):
        text = out[-1].text if n % 5 == 4 else "\n".join(story(rng, 4))
        when = START + timedelta(minutes=n)
        url = f"https://site{n % 50}.example/{n}"
        out.append(Article(url, url, "bench", None, text, when, fetched_at=when))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=5000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.duckdb"
        ensure_schema(db)
        with write_session(db) as con:
            con.execute(
                "INSERT INTO runs (run_id, watch, started_at, status) "
                "VALUES ('run', 'bench', ?, 'completed')",
                [START],
            )
        articles = _articles(args.articles)
        started = time.perf_counter()
        for i in range(0, len(articles), BATCH):
            with write_session(db) as con:
                batch = [ReadArticle(a, a.url, ()) for a in articles[i : i + BATCH]]
                store_with_copy_detection(con, batch, run_id="run")
        stored = time.perf_counter() - started
        with read_session(db) as con:
            selected = [a for a, _ in articles_for_reprocess(con, "bench", None)]
        started = time.perf_counter()
        fingerprints = fingerprints_of(selected)
        fingerprinted = time.perf_counter() - started
        with write_session(db) as con:
            started = time.perf_counter()
            found = rederive_copies(con, selected, fingerprints)
            decided = time.perf_counter() - started
    print(f"{args.articles} articles ({args.articles // 5} copies)")
    print(f"  stored by the store stage, batches of {BATCH}: {stored:6.2f} s")
    print(f"  reprocess: fingerprints again:                {fingerprinted:6.2f} s")
    print(f"  reprocess: rederive_copies (one transaction): {decided:6.2f} s")
    print(f"  copy links changed by re-deciding: {len(found.changed_ids)} (expected 0)")


if __name__ == "__main__":
    main()
