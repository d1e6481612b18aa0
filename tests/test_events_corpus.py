"""The test corpus through the pipeline core (clean → extract → copies → resolve → store).

tests/fixtures/corpus is read as a run reads it: batch 1, then batch 2, each in publication
order; every label must be met exactly. The development corpus is scored by
bench/bench_events_corpus.py.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from newswatch.config import load_watch
from newswatch.corpus_run import run_corpus
from newswatch.evaluation import EvaluationReport, evaluate, parse_labels
from tests.support.corpus import CORPUS

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> EvaluationReport:
    watch = load_watch(REPO / "deployments" / "watches" / "trump-putin.toml")
    db = tmp_path_factory.mktemp("corpus") / "corpus.duckdb"
    stored = run_corpus(CORPUS, watch, db, now=datetime(2025, 10, 24, tzinfo=UTC))
    return evaluate(
        parse_labels(stored.raw_labels),
        stored.events,
        stored.mentions,
        stored.files,
        historical_mentions=stored.historical_mentions,
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
