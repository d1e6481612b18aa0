"""Values that cross the core's stage boundaries."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import duckdb

from newswatch.config import Watch
from newswatch.domain import Article, CandidateEvent, FetchedPage
from newswatch.storage.db import HeldWriter, write_session

if TYPE_CHECKING:  # the cleaning stack, which idle runs never need
    from newswatch.extractors.clean_site import PageObservation
    from newswatch.extractors.fingerprint import Fingerprint

Clock = Callable[[], datetime]


def wall_clock() -> datetime:
    """The default run clock: now, in UTC."""
    return datetime.now(UTC)


@dataclass(frozen=True)
class RunContext:
    """What every stage of one run shares: the watch, the database and the run's clock."""

    watch: Watch
    db_path: str
    run_id: str
    clock: Clock = wall_clock
    alerts_enabled: bool = True
    first_run: bool = False
    channel_names: tuple[str, ...] = ()
    # The run's held write connection while it stores chunk after chunk; None: a
    # fresh short session per transaction.
    writer: HeldWriter | None = None

    def transaction(self) -> AbstractContextManager[duckdb.DuckDBPyConnection]:
        """One write transaction on the run's database."""
        if self.writer is not None:
            return self.writer.transaction()
        return write_session(self.db_path)


@dataclass(frozen=True)
class ReadArticle:
    """A fetched page after cleaning and extraction: what the store stage needs."""

    article: Article
    final_url: str | None
    candidates: tuple[CandidateEvent, ...]
    link_url: str | None = None
    # Computed where the page was cleaned (a worker process), so the writer need not.
    fingerprint: Fingerprint | None = None
    site_observation: PageObservation | None = None


@dataclass
class BatchOutcome:
    """What one store transaction did."""

    articles_stored: int = 0
    articles_relevant: int = 0
    copies_found: int = 0
    events_new: int = 0
    events_updated: int = 0
    mentions_added: int = 0
    alerts_queued: int = 0
    versions_stored: int = 0
    new_event_summaries: list[str] = field(default_factory=list)

    def add(self, other: BatchOutcome) -> None:
        """Add another transaction's outcome to this one."""
        self.articles_stored += other.articles_stored
        self.articles_relevant += other.articles_relevant
        self.copies_found += other.copies_found
        self.events_new += other.events_new
        self.events_updated += other.events_updated
        self.mentions_added += other.mentions_added
        self.alerts_queued += other.alerts_queued
        self.versions_stored += other.versions_stored
        self.new_event_summaries.extend(other.new_event_summaries)


@dataclass
class ProcessedLinks:
    """What fetching, cleaning and storing a run's new links did: fetch outcomes and the
    sum of the store transactions."""

    pages_fetched: int = 0
    pages_failed: int = 0
    pages_skipped: int = 0
    stored: BatchOutcome = field(default_factory=BatchOutcome)
    # Sources with a page that failed to fetch: read in full again next run, to retry it.
    sources_with_failures: set[str] = field(default_factory=set)

    def count_pages(self, pages: Sequence[FetchedPage]) -> None:
        """Add one chunk's fetch outcomes."""
        self.pages_fetched += sum(1 for p in pages if p.status == "ok")
        self.pages_failed += sum(1 for p in pages if p.status == "failed")
        self.pages_skipped += sum(1 for p in pages if p.status == "skipped")
        self.sources_with_failures.update(p.link.source for p in pages if p.status == "failed")
