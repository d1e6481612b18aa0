"""What the benches share: where ../shared's data lives, and the copy-detection helpers.

The benches measure on ../shared (the tests own their data under tests/fixtures). The
helpers below mirror newswatch/testing/copies.py on purpose: benches do not import from tests.

`ingest` does for one article what the monitor flow does inside its write transaction:
fingerprint, look up candidates, decide, write the article row, store the fingerprint
and re-point the group.
"""

from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
# ../shared by default; NEWSWATCH_SHARED points elsewhere.
SHARED = Path(os.environ.get("NEWSWATCH_SHARED", REPO.parent / "shared"))
CORPUS = SHARED / "corpus"
SEEDS = SHARED / "seeds"
BENCHMARK = SHARED / "benchmarks" / "article-extraction"
# Golden cleaning of the shared corpus pages (what bench_clean_quality scores against).
GOLDEN_CLEAN = REPO / "bench" / "golden" / "clean"
