"""The test corpus end to end (clean → extract → resolve → score): every label met exactly.

tests/fixtures/corpus is read as a run reads it: batch 1, then batch 2, each in publication
order. The development corpus in ../shared is scored by bench/bench_events_corpus.py.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from newswatch.config import load_watch
from newswatch.domain import Mention, StoredEvent
from newswatch.evaluation import EvaluationReport, evaluate, parse_labels
from newswatch.extractors import clean
from newswatch.extractors.events import extractor_for
from newswatch.extractors.resolution import resolve_events
from tests.support.corpus import CORPUS

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def report() -> EvaluationReport:
    corpus = CORPUS
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


def test_every_labelled_contact_is_found_and_nothing_else(report: EvaluationReport) -> None:
    counts = (report.labelled_contacts, report.predicted_contacts, report.matched)
    assert counts == (6, 6, 6), report.to_text()
    assert (report.precision, report.recall) == (1.0, 1.0), report.to_text()


def test_every_contact_ends_in_its_labelled_status(report: EvaluationReport) -> None:
    assert (report.status_correct, report.status_accuracy) == (6, 1.0), report.to_text()


def test_no_contact_is_stored_twice(report: EvaluationReport) -> None:
    assert report.extra_rows == 0, report.to_text()


def test_every_historical_mention_is_recognised_and_none_alerts(report: EvaluationReport) -> None:
    assert (report.historical_mentions, report.historical_recognised) == (8, 8), report.to_text()
    assert report.history_only_alertable == 0, report.to_text()


def test_every_news_mention_is_found_and_none_is_spurious(report: EvaluationReport) -> None:
    assert (report.news_mentions, report.news_mentions_found) == (8, 8), report.to_text()
    assert report.spurious_mentions == 0, report.to_text()
    assert report.findings == (), report.to_text()
