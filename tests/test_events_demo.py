"""The bundled demo site as a held-out set, through the pipeline core in-process, then scored.

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
from newswatch.corpus_run import run_corpus
from newswatch.evaluation import EvaluationReport, evaluate, parse_labels

REPO = Path(__file__).resolve().parents[1]
SITE = REPO / "newswatch" / "demo" / "site"
# The same floors as the shared corpus (tests/test_events_corpus.py).
MIN_PRECISION_RECALL = 0.95
MIN_STATUS_ACCURACY = 0.9


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> EvaluationReport:
    watch = load_watch(REPO / "deployments" / "watches" / "trump-putin.toml")
    db = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    stored = run_corpus(SITE, watch, db, now=datetime(2025, 10, 24, tzinfo=UTC), source="demo")
    return evaluate(
        parse_labels(stored.raw_labels),
        stored.events,
        stored.mentions,
        stored.files,
        historical_mentions=stored.historical_mentions,
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
