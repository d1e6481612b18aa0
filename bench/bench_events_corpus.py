"""Contact extraction on labelled corpora: clean → extract → resolve, then score.

Runs in-process: every page is cleaned (extractors.clean, or a trafilatura fallback while
that stage is missing), its events extracted with the rule-based extractor, and the
articles resolved in batches as the feeds deliver them (batch 1, then batch 2, each in
publication order). Prints the EvaluationReport of each corpus, then their figures side by
side. Without an argument it scores the development corpus (../shared/corpus, when
present) and the held-out demo site (newswatch/demo/site), which the rules were not
written from.

    .venv/bin/python bench/bench_events_corpus.py [CORPUS_DIR ...] [--candidates]
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchdata import CORPUS  # noqa: E402

from newswatch.config import load_watch  # noqa: E402
from newswatch.domain import Article, CandidateEvent, Mention, StoredEvent  # noqa: E402
from newswatch.evaluation import EvaluationReport, evaluate, parse_labels  # noqa: E402
from newswatch.extractors.events import extractor_for  # noqa: E402
from newswatch.extractors.resolution import resolve_events  # noqa: E402

DEFAULT_CORPUS = CORPUS
DEMO_SITE = REPO / "newswatch" / "demo" / "site"
# Data only (no import from tests): the corpus written for the tests.
TEST_CORPUS = REPO / "tests" / "fixtures" / "corpus"
WATCH = REPO / "deployments" / "watches" / "trump-putin.toml"


def clean(html: str, url: str, published: str | None) -> Article:
    """The clean stage, or a trafilatura stand-in when it is not importable."""
    try:
        from newswatch.extractors.clean import clean_page
    except ImportError:
        import trafilatura

        text = trafilatura.extract(html, favor_precision=True) or ""
        when = datetime.fromisoformat(published.replace("Z", "+00:00")) if published else None
        kind = "article" if published else "listing"
        return Article(url, url, "corpus", None, text, when, page_kind=kind)
    return clean_page(html, url, source="corpus")


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
    """Clean, extract and resolve one labelled corpus in-process; print and return its report."""
    raw = json.loads((corpus / "labels.json").read_text(encoding="utf-8"))
    labels = parse_labels(raw)
    watch = load_watch(WATCH)
    extractor = extractor_for(watch)

    items = []
    for entry in raw["articles"]:
        url = "https://" + entry["outlet"] + entry["url_path"]
        article = clean(
            (corpus / entry["file"]).read_text(encoding="utf-8"), url, entry.get("published")
        )
        items.append((entry, article))
    # The feeds deliver two batches; each is processed in publication order.
    items.sort(
        key=lambda it: (it[0]["batch"], it[1].published_at or datetime.max.replace(tzinfo=UTC))
    )

    first_of_group: dict[str, str] = {}
    article_files: dict[str, str] = {}
    stored: dict[str, StoredEvent] = {}
    mentions: list[Mention] = []
    flagged_history: set[tuple[str, str]] = set()
    now = datetime(2025, 10, 24, tzinfo=UTC)
    for batch_no in sorted({entry["batch"] for entry in raw["articles"]}):
        batch = []
        for entry, article in items:
            if entry["batch"] != batch_no:
                continue
            group = entry.get("dup_group")
            is_copy = bool(group and group in first_of_group)
            if group and not is_copy:
                first_of_group[group] = article.article_id
            candidates = extractor.extract(article, watch)
            article_files[article.article_id] = entry["file"]
            if show:
                print(f"{entry['file']}")
                for c in candidates:
                    print(f"   {_line(c)}")
            batch.append((article, article.article_id, is_copy, candidates))
        result = resolve_events(batch, list(stored.values()), watch, now)
        for change in result.changes:
            stored[change.event.event_id] = change.event
        for mention in result.mentions:
            if any(c.historical for c in _sources(mention, batch)):
                flagged_history.add((mention.event_id, mention.article_id))
        mentions.extend(result.mentions)

    events = list(stored.values())
    report = evaluate(labels, events, mentions, article_files, historical_mentions=flagged_history)
    print(
        f"corpus: {corpus}  articles: {len(items)}  stored events: {len(events)}  mentions: {len(mentions)}"
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


def _sources(mention: Mention, batch: list) -> list[CandidateEvent]:
    """The candidates of the mention's article whose evidence the mention carries."""
    for _, article_id, _, candidates in batch:
        if article_id == mention.article_id:
            return [c for c in candidates if c.evidence and c.evidence in mention.evidence]
    return []


def _line(c: CandidateEvent) -> str:
    return (
        f"{c.event_type:9} {c.status:9} {c.date_earliest}..{c.date_latest} hist={c.historical!s:5} "
        f"by={c.asserted_by!r} loc={c.location!r} | {c.evidence[:160]}"
    )


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
