"""Golden extraction of a digest page written for this test: every event, field by field.

Regenerate after an intended change with NEWSWATCH_UPDATE_GOLDEN=1 and review the diff."""

from __future__ import annotations

import json
import os
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

import pytest

from newswatch.config import load_watch
from newswatch.domain import Article
from newswatch.extractors.events import RuleBasedExtractor

REPO = Path(__file__).resolve().parents[1]
WATCH = load_watch(REPO / "deployments" / "watches" / "trump-putin.toml")
GOLDEN = Path(__file__).parent / "golden" / "events"
# Each page is read as published on this evening (UTC).
PUBLISHED = {"digest-2025-10-09": datetime(2025, 10, 9, 21, 30, tzinfo=UTC)}


@pytest.mark.parametrize("page", sorted(PUBLISHED))
def test_the_digest_extraction_matches_its_golden_file(page: str) -> None:
    text = (GOLDEN / f"{page}.txt").read_text(encoding="utf-8")
    article = Article(f"https://digest.example/{page}", f"https://digest.example/{page}",
                      "golden", "Day 1724", text, PUBLISHED[page])  # fmt: skip
    found = json.loads(
        json.dumps(
            [asdict(e) for e in RuleBasedExtractor().extract(article, WATCH)],
            default=lambda value: value.isoformat(),
        )
    )
    path = GOLDEN / f"{page}.expected.json"
    if os.environ.get("NEWSWATCH_UPDATE_GOLDEN"):
        path.write_text(json.dumps(found, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    assert found == json.loads(path.read_text(encoding="utf-8"))
