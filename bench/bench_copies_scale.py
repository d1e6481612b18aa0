"""Copy detection at scale: per-article lookup+insert cost with 10k, 100k and 1M stored.

For each size, a database file gets a synthetic base population (article rows,
NUM_PERM-value signatures and BANDS band buckets per article) bulk-loaded from a
generated relation, plus PLANTED real originals stored through the normal path and one
unmeasured warm-up batch. Then new articles (two thirds fresh stories, one third
near-copies of the planted originals) are stored in write transactions of BATCH, exactly
as the monitor flow does (find candidates, decide, write the row, store the fingerprint,
re-point), the sizes taking turns batch by batch so that load from other processes falls
on all of them alike.

Prints per size: the per-article cost inside the transaction, the per-batch cost of
opening, committing and closing the session (DuckDB checkpoints on close, rewriting the
index blocks the batch changed), the ratio 1M/10k of both (goal <= 2), and the database
size per million articles by table.

Run: .venv/bin/python bench/bench_copies_scale.py [--sizes 10000,100000,1000000]
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import duckdb  # noqa: E402

from newswatch.domain import Article  # noqa: E402
from newswatch.extractors.copies import fingerprint_article  # noqa: E402
from newswatch.extractors.fingerprint import BANDS, NUM_PERM  # noqa: E402
from newswatch.storage.db import ensure_schema, write_session  # noqa: E402
from newswatch.testing.copies import ingest, make_article, sentence, story  # noqa: E402

PLANTED = 100  # real originals in the base population, copied by the new articles
NEW = 350  # new articles at each size: a warm-up batch, then the measured ones
WARMUP = 50
BATCH = 100  # articles per write transaction, as in the flow
BASE_TIME = datetime(2020, 1, 1, tzinfo=UTC)


def bulk_load(path: Path, n: int) -> dict[str, float]:
    """The synthetic base population, table by table; returns seconds and file sizes."""
    out: dict[str, float] = {}
    con = duckdb.connect(str(path))
    try:
        con.execute("CHECKPOINT")
        out["size_empty"] = os.path.getsize(path)
        start = time.perf_counter()
        con.execute(
            """
            INSERT INTO articles (article_id, url, canonical_url, published_at, content_hash, page_kind)
            SELECT printf('%016x', hash(i)), 'https://bulk.example/a/' || i,
                   'https://bulk.example/a/' || i, ?::TIMESTAMPTZ + to_seconds(i),
                   md5(i::VARCHAR)[:32], 'article'
            FROM range(?) t(i)
            """,
            [BASE_TIME, n],
        )
        con.execute("CHECKPOINT")
        out["load_articles"] = time.perf_counter() - start
        out["size_articles"] = os.path.getsize(path)
        start = time.perf_counter()
        con.execute(
            """
            INSERT INTO article_signatures (article_id, declared_canonical_url, signature)
            SELECT printf('%016x', hash(i)), NULL,
                   list_transform(range(?), lambda j: (hash(i, j) >> 32)::UINTEGER)
            FROM range(?) t(i)
            """,
            [NUM_PERM, n],
        )
        con.execute("CHECKPOINT")
        out["load_signatures"] = time.perf_counter() - start
        out["size_signatures"] = os.path.getsize(path)
        # Bulk load: drop the bucket index, append, rebuild it once (much faster than
        # maintaining it row by row); the schema's definition is restored as it was.
        start = time.perf_counter()
        index_sql = con.execute(
            "SELECT sql FROM duckdb_indexes() WHERE table_name = 'article_bands'"
        ).fetchall()
        con.execute("DROP INDEX IF EXISTS article_bands_bucket")
        con.execute(
            """
            INSERT INTO article_bands (band, bucket, article_id)
            SELECT j::SMALLINT, (hash(i, j, 'band') >> 32)::UINTEGER, printf('%016x', hash(i))
            FROM range(?) t(i), range(?) b(j)
            """,
            [n, BANDS],
        )
        for (sql,) in index_sql:
            con.execute(sql)
        con.execute("CHECKPOINT")
        out["load_bands"] = time.perf_counter() - start
        out["size_bands"] = os.path.getsize(path)
    finally:
        con.close()
    return out


def planted_originals(rng: random.Random) -> list[Article]:
    """Real articles with synthetic text, stored through the normal path."""
    return [
        make_article(
            f"wire-{i}",
            "\n\n".join(story(rng, paragraphs=rng.randint(4, 7))),
            published_at=BASE_TIME + timedelta(days=3000, minutes=i),
        )
        for i in range(PLANTED)
    ]


def new_articles(rng: random.Random, originals: list[Article]) -> list[Article]:
    """Fresh stories and near-copies (new headline, intro line, last paragraph cut)."""
    out = []
    for i in range(NEW):
        when = BASE_TIME + timedelta(days=3100, minutes=i)
        if i % 3 == 2:
            source = originals[(i // 3) % len(originals)]
            paragraphs = source.text.split("\n\n")
            text = "\n\n".join([sentence(rng), *paragraphs[:-1]])
            out.append(replace(make_article(f"mirror-{i}", text), published_at=when))
        else:
            text = "\n\n".join(story(rng, paragraphs=rng.randint(4, 7)))
            out.append(make_article(f"fresh-{i}", text, published_at=when))
    return out


def store_batch(path: Path, articles: list[Article]) -> tuple[list[float], float, int]:
    """One write transaction, as the flow's: per-article ms inside it, session ms, copies."""
    times = []
    copies = 0
    session_start = time.perf_counter()
    with write_session(path) as con:
        for article in articles:
            fp = fingerprint_article(article)  # size-independent, timed apart
            start = time.perf_counter()
            decision = ingest(con, article, fp)
            times.append((time.perf_counter() - start) * 1000)
            copies += decision.match.duplicate_of is not None
    # Open, commit and close: DuckDB checkpoints on close, rewriting changed index blocks.
    session_ms = (time.perf_counter() - session_start) * 1000 - sum(times)
    return times, session_ms, copies


@dataclass
class SizeRun:
    """One database size: its file, its new articles and what was measured on it."""

    n: int
    path: Path
    pending: list[Article]
    load: dict[str, float]
    in_transaction_ms: list[float] = field(default_factory=list)
    session_ms: list[float] = field(default_factory=list)
    copies: int = 0

    @property
    def total_per_article_ms(self) -> float:
        return statistics.fmean(self.in_transaction_ms) + statistics.fmean(self.session_ms) / BATCH


def prepare(workdir: Path, n: int) -> SizeRun:
    """Bulk load, store the planted originals, and run one unmeasured warm-up batch."""
    path = workdir / f"copies_{n}.duckdb"
    ensure_schema(path)
    load = bulk_load(path, n)
    rng = random.Random(n)
    originals = planted_originals(rng)
    with write_session(path) as con:
        for article in originals:
            ingest(con, article)
    articles = new_articles(rng, originals)
    # The first write after a bulk CREATE INDEX rewrites the whole index once (seconds at
    # 1M); a database grown run by run has paid that long ago, so it is not measured.
    store_batch(path, articles[:WARMUP])
    return SizeRun(n, path, articles[WARMUP:], load)


def main() -> None:
    sizes = [10_000, 100_000, 1_000_000]
    if "--sizes" in sys.argv:
        sizes = [int(s) for s in sys.argv[sys.argv.index("--sizes") + 1].split(",")]
    print(
        f"NUM_PERM={NUM_PERM} BANDS={BANDS}; {NEW} new articles per size, one third near-copies "
        f"of planted originals, in write transactions of {BATCH} (sizes interleaved); "
        f"duckdb {duckdb.__version__}, {os.cpu_count()} cpus"
    )
    with tempfile.TemporaryDirectory(dir=os.environ.get("BENCH_TMP")) as tmp:
        runs = [prepare(Path(tmp), n) for n in sizes]
        for run in runs:
            load = run.load
            print(
                f"{run.n:>9,} stored: bulk load {load['load_articles']:.1f}s article rows, "
                f"{load['load_signatures']:.1f}s signatures, {load['load_bands']:.1f}s bands + index"
            )
        # Interleaved, so that load from other processes falls on every size alike.
        for first in range(0, NEW - WARMUP, BATCH):
            for run in runs:
                times, session, copies = store_batch(run.path, run.pending[first : first + BATCH])
                run.in_transaction_ms += times
                run.session_ms.append(session)
                run.copies += copies
        fingerprint_ms = timed_fingerprints(runs[0].pending)
        for run in runs:
            expected = sum(1 for a in run.pending if a.source.startswith("mirror"))
            print(
                f"{run.n:>9,} stored: lookup+insert per article mean "
                f"{statistics.fmean(run.in_transaction_ms):.2f} ms, median "
                f"{statistics.median(run.in_transaction_ms):.2f} ms; session open+commit+close "
                f"{statistics.median(run.session_ms):.0f} ms per batch of {BATCH}; all in "
                f"{run.total_per_article_ms:.2f} ms per article; copies found "
                f"{run.copies}/{expected}"
            )
        print(
            f"fingerprint (size-independent, not included above): {fingerprint_ms:.2f} ms per article"
        )
        small, large = runs[0], runs[-1]
        if small is not large:
            print(
                f"ratio {large.n:,}/{small.n:,}: lookup+insert mean "
                f"{statistics.fmean(large.in_transaction_ms) / statistics.fmean(small.in_transaction_ms):.2f}, "
                f"median {statistics.median(large.in_transaction_ms) / statistics.median(small.in_transaction_ms):.2f}; "
                f"with session overhead {large.total_per_article_ms / small.total_per_article_ms:.2f} "
                f"(goal <= 2)"
            )
        print_sizes(large)


def timed_fingerprints(articles: list[Article]) -> float:
    start = time.perf_counter()
    for article in articles:
        fingerprint_article(article)
    return (time.perf_counter() - start) / len(articles) * 1000


def print_sizes(run: SizeRun) -> None:
    con = duckdb.connect(str(run.path))
    con.execute("CHECKPOINT")
    con.close()
    load = run.load
    per_million = 1_000_000 / run.n / 1e6
    articles_mb = (load["size_articles"] - load["size_empty"]) * per_million
    signatures_mb = (load["size_signatures"] - load["size_articles"]) * per_million
    bands_mb = (load["size_bands"] - load["size_signatures"]) * per_million
    print(
        f"database size per million articles (measured at {run.n:,}): after bulk load "
        f"{load['size_bands'] * per_million:,.0f} MB = article rows without text "
        f"{articles_mb:,.0f} MB + signatures {signatures_mb:,.0f} MB + band buckets with "
        f"their index {bands_mb:,.0f} MB; file after the measured batches "
        f"{os.path.getsize(run.path) * per_million:,.0f} MB"
    )


if __name__ == "__main__":
    main()
