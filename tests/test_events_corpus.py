"""The labelled corpus through the pipeline core (clean → extract → copies → resolve → store), scored."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from newswatch.config import load_watch
from newswatch.corpus_run import run_corpus
from newswatch.evaluation import EvaluationReport, evaluate, parse_labels

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> EvaluationReport:
    from tests.conftest import CORPUS, require

    corpus = require(CORPUS)
    watch = load_watch(REPO / "deployments" / "watches" / "trump-putin.toml")
    db = tmp_path_factory.mktemp("corpus") / "corpus.duckdb"
    stored = run_corpus(corpus, watch, db, now=datetime(2025, 10, 24, tzinfo=UTC))
    return evaluate(
        parse_labels(stored.raw_labels),
        stored.events,
        stored.mentions,
        stored.files,
        historical_mentions=stored.historical_mentions,
    )


def test_contact_recall_and_precision_reach_095(report: EvaluationReport) -> None:
    assert report.recall >= 0.95 and report.precision >= 0.95, report.to_text()


def test_status_accuracy_reaches_09(report: EvaluationReport) -> None:
    assert report.status_accuracy >= 0.9, report.to_text()


def test_no_contact_is_stored_twice(report: EvaluationReport) -> None:
    assert report.extra_rows == 0, report.to_text()


def test_every_historical_mention_is_recognised_and_none_alerts(report: EvaluationReport) -> None:
    assert report.historical_all_recognised, report.to_text()
