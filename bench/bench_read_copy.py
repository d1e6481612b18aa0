"""What publishing the read copy costs, against the size of the database.

Builds newswatch databases of growing size (articles with ~3 KB of text each, made up
but not compressible to nothing), then times `publish_read_copy` (checkpoint, copy,
fsync, check, rename) a few times per size and prints the median seconds, the database
and copy sizes, and the throughput. For comparison it also times the other way DuckDB
offers, `ATTACH` a new file and `COPY FROM DATABASE` into it (a rewrite, not a file copy).

    .venv/bin/python bench/bench_read_copy.py [ARTICLES ...]   (default: 2000 20000 100000)
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import duckdb  # noqa: E402

from newswatch.storage.db import ensure_schema  # noqa: E402
from newswatch.storage.read_copy import publish_read_copy  # noqa: E402

ROUNDS = 3
# Varied words so DuckDB's compression sees text like an article's, not a repeated block.
_FILL = """
INSERT INTO articles (article_id, url, canonical_url, title, text, fetched_at, published_at)
SELECT 'a' || i, 'https://example.org/' || i, 'https://example.org/' || i, 'Title ' || i,
       (SELECT string_agg(md5((i * 1000 + j)::VARCHAR), ' ') FROM range(90) t(j)),
       now(), now()
FROM range(?, ?) s(i)
"""


def build(path: Path, articles: int) -> None:
    ensure_schema(path)
    con = duckdb.connect(str(path))
    for start in range(0, articles, 10_000):
        con.execute(_FILL, [start, min(start + 10_000, articles)])
    con.execute("CHECKPOINT")
    con.close()


def copy_from_database(db: Path, target: Path) -> float:
    """Seconds for DuckDB's own copy: attach a new file and COPY FROM DATABASE into it."""
    target.unlink(missing_ok=True)
    start = time.perf_counter()
    con = duckdb.connect(str(db))
    con.execute(f"ATTACH '{target}' AS copy")
    con.execute(f'COPY FROM DATABASE "{db.stem}" TO copy')
    con.execute("DETACH copy")
    con.close()
    return time.perf_counter() - start


def main(argv: list[str]) -> int:
    sizes = [int(a) for a in argv] or [2_000, 20_000, 100_000]
    print(
        f"{'articles':>9} {'db MB':>8} {'copy MB':>8} {'publish s':>10} {'MB/s':>7}"
        f" {'COPY FROM DATABASE s':>21}"
    )
    with tempfile.TemporaryDirectory(dir=REPO) as tmp:
        for articles in sizes:
            db = Path(tmp) / f"bench-{articles}.duckdb"
            build(db, articles)
            times = []
            for _ in range(ROUNDS):
                start = time.perf_counter()
                copy = publish_read_copy(db)
                times.append(time.perf_counter() - start)
            assert copy is not None
            db_mb = db.stat().st_size / 1e6
            copy_mb = copy.stat().st_size / 1e6
            median = statistics.median(times)
            rewrite = copy_from_database(db, Path(tmp) / f"rewrite-{articles}.duckdb")
            print(
                f"{articles:>9} {db_mb:>8.1f} {copy_mb:>8.1f} {median:>10.3f}"
                f" {copy_mb / median:>7.0f} {rewrite:>21.2f}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
