"""What keeping raw pages costs: bytes per 10,000 articles, and compression time per page.

Real news pages (`../shared/benchmarks/article-extraction/html`, 181 pages from many
publishers) are stored through `storage.pages.save_raw_pages` into a fresh DuckDB file,
cycled until N pages (each made unique), and the file's growth is measured beside the
HTML's own size. Run from the repo root:

    .venv/bin/python bench/bench_raw_pages.py [--pages 10000]
"""

from __future__ import annotations

import argparse
import gzip
import os
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from newswatch.domain import CandidateLink, FetchedPage
from newswatch.storage.db import ensure_schema, write_session
from newswatch.storage.pages import raw_storage_bytes, save_raw_pages

SHARED = Path(
    os.environ.get("NEWSWATCH_SHARED", Path(__file__).resolve().parents[1].parent / "shared")
)
PAGES = SHARED / "benchmarks" / "article-extraction" / "html"


def _load() -> list[str]:
    texts = []
    for path in sorted(PAGES.iterdir()):
        raw = path.read_bytes()
        if path.suffix == ".gz":
            raw = gzip.decompress(raw)
        texts.append(raw.decode("utf-8", errors="replace"))
    return texts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=10_000)
    args = parser.parse_args()
    sources = _load()
    now = datetime(2026, 1, 1, tzinfo=UTC)
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "raw.duckdb"
        ensure_schema(db)
        empty = db.stat().st_size
        batch: list[FetchedPage] = []
        spent = 0.0
        for n in range(args.pages):
            html = sources[n % len(sources)] + f"<!-- copy {n} -->"
            url = f"https://news.example/{n}"
            batch.append(
                FetchedPage(
                    link=CandidateLink(url=url, canonical_url=url, source="bench"),
                    status="ok",
                    http_status=200,
                    html=html,
                    headers=(("content-type", "text/html; charset=utf-8"), ("etag", f'"{n}"')),
                    fetched_at=now + timedelta(seconds=n),
                )
            )
            if len(batch) == 500 or n == args.pages - 1:
                started = time.perf_counter()
                with write_session(db) as con:
                    save_raw_pages(con, batch, {}, "bench", now)
                spent += time.perf_counter() - started
                batch = []
        with write_session(db) as con:
            con.execute("CHECKPOINT")
            count, html_bytes, stored_bytes = raw_storage_bytes(con)
        grown = db.stat().st_size - empty
    scale = 10_000 / count
    print(f"raw pages stored: {count} ({len(sources)} distinct real pages, cycled)")
    print("| per 10,000 articles | MB |")
    print("|---|---|")
    print(f"| HTML as fetched | {html_bytes * scale / 1e6:.1f} |")
    print(f"| stored (zlib, in the blob column) | {stored_bytes * scale / 1e6:.1f} |")
    print(f"| DuckDB file growth | {grown * scale / 1e6:.1f} |")
    print(
        f"compression ratio {html_bytes / stored_bytes:.2f}; store time {spent / count * 1e3:.2f} ms per page"
    )


if __name__ == "__main__":
    main()
