"""Contact extraction on labelled corpora through the pipeline core, then scored.

Runs in-process, without network or Prefect (newswatch.corpus_run): every page goes
through the core's clean-and-extract and store stages into a temporary DuckDB file, in
batches as the feeds deliver them (batch 1, then batch 2, each in publication order),
with copy detection and event resolution as in a run. Prints the EvaluationReport of each corpus, then their figures side by
side. Without an argument it scores the development corpus (../shared/corpus, when
present) and the held-out demo site (newswatch/demo/site), which the rules were not
written from.

    .venv/bin/python bench/bench_events_corpus.py [CORPUS_DIR ...] [--candidates]
"""

from __future__ import annotations

import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchdata import CORPUS  # noqa: E402

from newswatch.config import load_watch  # noqa: E402
from newswatch.corpus_run import run_corpus  # noqa: E402
from newswatch.domain import CandidateEvent  # noqa: E402
from newswatch.evaluation import EvaluationReport, evaluate, parse_labels  # noqa: E402

DEFAULT_CORPUS = CORPUS
DEMO_SITE = REPO / "newswatch" / "demo" / "site"
# Data only (no import from tests): the corpus written for the tests.
TEST_CORPUS = REPO / "tests" / "fixtures" / "corpus"
WATCH = REPO / "deployments" / "watches" / "trump-putin.toml"


def main(argv: list[str]) -> int:
    show = "--candidates" in argv
    named = [Path(a) for a in argv if not a.startswith("--")]
    corpora = named or [
        c for c in (DEFAULT_CORPUS, DEMO_SITE, TEST_CORPUS) if (c / "labels.json").is_file()
    ]
    rows = []
    for corpus in corpora:
        report = score(corpus, show)
        rows.append((corpus, report))
    print()
    print(f"{'corpus':40} {'precision':>9} {'recall':>7} {'status':>7} {'extra':>6} {'history':>8}")
    for corpus, report in rows:
        history = f"{report.historical_recognised}/{report.historical_mentions}"
        print(
            f"{corpus!s:40} {report.precision:9.3f} {report.recall:7.3f} "
            f"{report.status_accuracy:7.3f} {report.extra_rows:6d} {history:>8}"
        )
    return 0


def score(corpus: Path, show: bool) -> EvaluationReport:
    """Run one labelled corpus through the core; print and return its report."""
    watch = load_watch(WATCH)
    with tempfile.TemporaryDirectory(prefix="bench-events-") as tmp:
        stored = run_corpus(
            corpus, watch, Path(tmp) / "corpus.duckdb", now=datetime(2025, 10, 24, tzinfo=UTC)
        )
    labels = parse_labels(stored.raw_labels)
    if show:
        for article_id, file in sorted(stored.files.items(), key=lambda kv: kv[1]):
            print(file)
            for c in stored.read[article_id].candidates:
                print(f"   {_line(c)}")
    events, mentions = stored.events, stored.mentions
    report = evaluate(
        labels, events, mentions, stored.files, historical_mentions=stored.historical_mentions
    )
    print(
        f"corpus: {corpus}  articles: {len(stored.files)}  stored events: {len(events)}  "
        f"mentions: {len(mentions)}"
    )
    for event in sorted(
        events, key=lambda e: (e.date_earliest or datetime.min.date(), e.event_type)
    ):
        print(
            f"  {event.event_type:9} {event.status:9} {event.date_earliest}..{event.date_latest} "
            f"hist={event.historical!s:5} {event.summary}"
        )
    print(report.to_text())
    return report


def _line(c: CandidateEvent) -> str:
    return (
        f"{c.event_type:9} {c.status:9} {c.date_earliest}..{c.date_latest} hist={c.historical!s:5} "
        f"by={c.asserted_by!r} loc={c.location!r} | {c.evidence[:160]}"
    )


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
