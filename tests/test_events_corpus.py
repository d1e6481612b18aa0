"""The labelled corpus end to end (clean → extract → resolve → score), as the issue requires."""

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


@pytest.fixture(scope="module")
def report() -> EvaluationReport:
    from tests.conftest import CORPUS, require

    corpus = require(CORPUS)
    clean = pytest.importorskip(
        "newswatch.extractors.clean", reason="the clean stage is not available"
    )
    watch = load_watch(REPO / "deployments" / "watches" / "trump-putin.toml")
    extractor = extractor_for(watch)
    raw = json.loads((corpus / "labels.json").read_text(encoding="utf-8"))
    pages = []
    for entry in raw["articles"]:
        html = (corpus / entry["file"]).read_text(encoding="utf-8")
        pages.append(
            (entry, clean.clean_page(html, "https://" + entry["outlet"] + entry["url_path"]))
        )
    pages.sort(key=lambda p: (p[0]["batch"], p[1].published_at or datetime.max.replace(tzinfo=UTC)))
    stored: dict[str, StoredEvent] = {}
    mentions: list[Mention] = []
    files: dict[str, str] = {}
    history: set[tuple[str, str]] = set()
    originals: set[str] = set()
    for batch_no in (1, 2):
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
            cands = next(c for _, a, _, c in batch if a == m.article_id)
            if any(c.historical and c.evidence in m.evidence for c in cands):
                history.add((m.event_id, m.article_id))
        mentions.extend(result.mentions)
    return evaluate(
        parse_labels(raw), list(stored.values()), mentions, files, historical_mentions=history
    )


def test_contact_recall_and_precision_reach_095(report: EvaluationReport) -> None:
    assert report.recall >= 0.95 and report.precision >= 0.95, report.to_text()


def test_status_accuracy_reaches_09(report: EvaluationReport) -> None:
    assert report.status_accuracy >= 0.9, report.to_text()


def test_no_contact_is_stored_twice(report: EvaluationReport) -> None:
    assert report.extra_rows == 0, report.to_text()


def test_every_historical_mention_is_recognised_and_none_alerts(report: EvaluationReport) -> None:
    assert report.historical_all_recognised, report.to_text()
