"""A labelled corpus through the pipeline core, offline: clean → extract → store → events.

The pages of a corpus folder (labels.json beside them) go through the core's own stages
(`clean_and_extract`, then `store_batch` into a DuckDB file, with copy detection and
event resolution) in the batches the labels name, each batch in publication order, as
the feeds would deliver them. No network and no Prefect: the extraction tests and
bench/bench_events_corpus.py score what a run stores.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from newswatch.config import Watch
from newswatch.core.reading import clean_and_extract
from newswatch.core.store import store_batch
from newswatch.core.types import ReadArticle, RunContext
from newswatch.domain import CandidateLink, FetchedPage, Mention, StoredEvent
from newswatch.storage import events as event_store
from newswatch.storage.db import ensure_schema, read_session
from newswatch.urls import canonicalize_url


@dataclass(frozen=True)
class CorpusRun:
    """What the core stored for a labelled corpus, with what scoring needs beside it."""

    raw_labels: Mapping[str, Any]
    events: list[StoredEvent]
    mentions: list[Mention]
    # article_id → the corpus file it was read from
    files: dict[str, str]
    # Every article as the clean and extract stages read it, by article_id.
    read: dict[str, ReadArticle]
    # (event_id, article_id) of mentions whose evidence is a historical candidate.
    historical_mentions: set[tuple[str, str]]


def corpus_page(corpus: Path, entry: Mapping[str, Any], source: str) -> FetchedPage:
    """One labelled page as if fetched from its outlet's URL."""
    url = "https://" + entry["outlet"] + entry["url_path"]
    link = CandidateLink(url=url, canonical_url=canonicalize_url(url), source=source)
    html = (corpus / entry["file"]).read_text(encoding="utf-8")
    return FetchedPage(link=link, status="ok", final_url=url, html=html)


def run_corpus(
    corpus: Path, watch: Watch, db_path: Path, *, now: datetime, source: str = "corpus"
) -> CorpusRun:
    """Store the corpus batch by batch through the core; return the stored events."""
    raw = json.loads((corpus / "labels.json").read_text(encoding="utf-8"))
    ensure_schema(db_path)
    run = RunContext(
        watch=watch,
        db_path=str(db_path),
        run_id=f"corpus-{uuid.uuid4().hex[:8]}",
        clock=lambda: now,
        alerts_enabled=False,
        first_run=True,
    )
    files: dict[str, str] = {}
    read_all: dict[str, ReadArticle] = {}
    for batch_no in sorted({entry["batch"] for entry in raw["articles"]}):
        entries = [e for e in raw["articles"] if e["batch"] == batch_no]
        read = clean_and_extract([corpus_page(corpus, e, source) for e in entries], watch)
        for entry, article in zip(entries, read, strict=True):
            files[article.article.article_id] = entry["file"]
            read_all[article.article.article_id] = article
        store_batch(read, run)
    with read_session(db_path) as con:
        events = event_store.load_events(con, watch.name)
        mentions = event_store.load_mentions(con, watch.name)
    return CorpusRun(
        raw_labels=raw,
        events=events,
        mentions=mentions,
        files=files,
        read=read_all,
        historical_mentions=historical_mentions(mentions, read_all),
    )


def historical_mentions(
    mentions: Sequence[Mention], read: Mapping[str, ReadArticle]
) -> set[tuple[str, str]]:
    """Mentions carrying the evidence of a candidate the extractor marked historical."""
    found = set()
    for m in mentions:
        candidates = read[m.article_id].candidates if m.article_id in read else ()
        if any(c.historical and c.evidence and c.evidence in m.evidence for c in candidates):
            found.add((m.event_id, m.article_id))
    return found
