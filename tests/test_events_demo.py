"""The bundled demo site as a held-out set: clean → extract → resolve in-process, then score.

The demo pages (newswatch/demo/site, labels.json beside them) were written independently of
the shared corpus the extractor was developed on, so these floors measure generalisation.
Pages are read as the demo's two runs deliver them: the backfill (batch 1), then the rest,
each in publication order.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from newswatch.config import load_watch
from newswatch.domain import Mention, StoredEvent
from newswatch.evaluation import EvaluationReport, evaluate, parse_labels
from newswatch.extractors.resolution import resolve_events
from newswatch.extractors.selection import extractor_for

REPO = Path(__file__).resolve().parents[1]
SITE = REPO / "newswatch" / "demo" / "site"
# The same floors as the shared corpus (tests/test_events_corpus.py).
MIN_PRECISION_RECALL = 0.95
MIN_STATUS_ACCURACY = 0.9


@pytest.fixture(scope="module")
def report() -> EvaluationReport:
    clean = pytest.importorskip(
        "newswatch.extractors.clean", reason="the clean stage is not available"
    )
    watch = load_watch(REPO / "deployments" / "watches" / "trump-putin.toml")
    extractor = extractor_for(watch)
    raw = json.loads((SITE / "labels.json").read_text(encoding="utf-8"))
    pages = []
    for entry in raw["articles"]:
        html = (SITE / entry["file"]).read_text(encoding="utf-8")
        url = "https://" + entry["outlet"] + entry["url_path"]
        pages.append((entry, clean.clean_page(html, url, source="demo")))
    never = datetime.max.replace(tzinfo=UTC)
    pages.sort(key=lambda p: (p[0]["batch"], p[1].published_at or never))
    stored: dict[str, StoredEvent] = {}
    mentions: list[Mention] = []
    files: dict[str, str] = {}
    history: set[tuple[str, str]] = set()
    originals: set[str] = set()
    for batch_no in sorted({entry["batch"] for entry, _ in pages}):
        batch = []
        for entry, article in pages:
            if entry["batch"] != batch_no:
                continue
            group = entry.get("dup_group")
            is_copy = bool(group) and group in originals
            originals.add(group or "")
            files[article.article_id] = entry["file"]
            batch.append((article, article.article_id, is_copy, extractor.extract(article, watch)))
        result = resolve_events(
            batch, list(stored.values()), watch, datetime(2025, 10, 24, tzinfo=UTC)
        )
        stored.update((c.event.event_id, c.event) for c in result.changes)
        for m in result.mentions:
            candidates = next(c for _, a, _, c in batch if a == m.article_id)
            if any(c.historical and c.evidence in m.evidence for c in candidates):
                history.add((m.event_id, m.article_id))
        mentions.extend(result.mentions)
    return evaluate(
        parse_labels(raw), list(stored.values()), mentions, files, historical_mentions=history
    )


def test_the_demo_labels_cover_every_page_of_the_site() -> None:
    raw = json.loads((SITE / "labels.json").read_text(encoding="utf-8"))
    labelled = sorted(entry["file"] for entry in raw["articles"])
    assert labelled == sorted(f"pages/{p.name}" for p in (SITE / "pages").glob("*.html"))


def test_demo_contact_recall_and_precision_reach_the_floor(report: EvaluationReport) -> None:
    assert report.recall >= MIN_PRECISION_RECALL, report.to_text()
    assert report.precision >= MIN_PRECISION_RECALL, report.to_text()


def test_demo_status_accuracy_reaches_the_floor(report: EvaluationReport) -> None:
    assert report.status_accuracy >= MIN_STATUS_ACCURACY, report.to_text()


def test_no_demo_contact_is_stored_twice(report: EvaluationReport) -> None:
    assert report.extra_rows == 0, report.to_text()


def test_every_demo_historical_mention_is_recognised_and_none_alerts(
    report: EvaluationReport,
) -> None:
    assert report.historical_all_recognised, report.to_text()
