"""The cost of re-deciding copies in `newswatch reprocess --stage clean|all`.

Stores N synthetic articles (every fifth an exact copy of the one before) through the
store stage in batches of 50, as runs do, then times the two steps reprocess adds for
copies over the whole archive: fingerprinting every text again, and `rederive_copies`
(one look-up for all of them, the run's batch detector, the writes). Also checks that
re-deciding what a run decided changes nothing, and times the candidate look-up of K
articles with its keys as literals and as one joined parameter (what chose
storage.copies.LITERAL_KEYS_MAX). The full reprocess against the first run is
bench/bench_throughput.py's figure.

Run: nice .venv/bin/python bench/bench_reprocess_copies.py [--articles 5000]
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb

from newswatch.core.store import store_with_copy_detection
from newswatch.core.types import ReadArticle
from newswatch.domain import Article
from newswatch.extractors.fingerprint import Fingerprint
from newswatch.reprocess_copies import fingerprints_of, rederive_copies
from newswatch.storage import copies as copy_store
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
        with read_session(db) as con:
            lookups = _lookup_forms(con, selected, fingerprints)
    print(f"{args.articles} articles ({args.articles // 5} copies)")
    print(f"  stored by the store stage, batches of {BATCH}: {stored:6.2f} s")
    print(f"  reprocess: fingerprints again:                {fingerprinted:6.2f} s")
    print(f"  reprocess: rederive_copies (one transaction): {decided:6.2f} s")
    print(f"  copy links changed by re-deciding: {len(found.changed_ids)} (expected 0)")
    print("  candidate look-up of K articles (20 band keys each): literals / joined parameter")
    for k, (literal, joined) in lookups.items():
        print(f"    K={k:5}  {literal * 1000:7.1f} ms / {joined * 1000:7.1f} ms")


def _lookup_forms(
    con: duckdb.DuckDBPyConnection,
    articles: list[Article],
    fingerprints: dict[str, Fingerprint],
) -> dict[int, tuple[float, float]]:
    """Best-of-3 time of one batch look-up, keys as literals and keys joined."""
    saved = copy_store.LITERAL_KEYS_MAX
    out = {}
    try:
        for k in (50, 250, 1000, len(articles)):
            probes = [
                copy_store.CopyProbe(
                    a.article_id, a.canonical_url, None, fingerprints[a.article_id]
                )
                for a in articles[:k]
            ]
            times = []
            for limit in (10**9, 0):
                copy_store.LITERAL_KEYS_MAX = limit
                best = float("inf")
                for _ in range(3):
                    started = time.perf_counter()
                    copy_store.find_batch_copy_candidates(con, probes)
                    best = min(best, time.perf_counter() - started)
                times.append(best)
            out[k] = (times[0], times[1])
    finally:
        copy_store.LITERAL_KEYS_MAX = saved
    return out


if __name__ == "__main__":
    main()
