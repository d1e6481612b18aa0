"""The pipeline's batch stages as plain functions: typed values in, typed values out.

Each stage works on a whole batch, because a Prefect task run costs milliseconds and an
article costs less. I/O stays in sources/, storage/ and alerts/; these functions only
call them in order. Cleaning is in core/reading.py, storing in core/store.py: both
import the cleaning stack (trafilatura, lxml, the language model), which a run with
nothing new never needs.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from newswatch.alerts.channels import channels_from_env
from newswatch.clock import RunClock
from newswatch.config import Watch
from newswatch.core import versions
from newswatch.core.delivery import deliver_due_alerts
from newswatch.core.google_links import ResolvedResults
from newswatch.core.prefetch import DiscoveryPrefetch
from newswatch.core.source_ops import (
    announce_source_health,
    delivery_channels,
    new_links_by_source,
    ops_channel_names,
)
from newswatch.core.types import Clock, RunContext
from newswatch.domain import CandidateLink, FetchedPage, SourceResult, SourceState
from newswatch.faults import fault_point
from newswatch.sources.fetch import PageFetcher, user_agent_for
from newswatch.sources.poll import poll_sources
from newswatch.storage import articles as article_store
from newswatch.storage import google_links as google_store
from newswatch.storage import pages as page_store
from newswatch.storage import sources as source_store
from newswatch.storage.db import read_session, write_session

_log = logging.getLogger("newswatch.run")


@dataclass(frozen=True)
class DeliveryCounts:
    """What one delivery pass did."""

    sent: int
    failed: int


def discover_links(
    watch: Watch,
    db_path: str,
    on_new_content: Callable[[int], None] | None = None,
    prefetched: DiscoveryPrefetch | None = None,
) -> list[SourceResult]:
    """Poll every source with its conditional-GET validators; failures become results.

    `on_new_content`: see `poll_sources`. `prefetched`: the same polling started before
    the run (core/prefetch.py), whose results are taken instead when it succeeded.
    """
    if prefetched is not None:
        try:
            return prefetched.results.result()
        except Exception as exc:  # polled again below: a prefetch never costs the run
            # The type only: a message may quote a source URL and its key.
            _log.warning(
                "polling the sources ahead of the run failed (%s); polling now",
                type(exc).__name__,
            )
    return poll_sources(watch, read_source_states(watch, db_path), on_new_content=on_new_content)


def read_source_states(
    watch: Watch, db_path: str, *, wait_seconds: float = 5.0
) -> dict[str, SourceState]:
    """The sources' stored validators; none before the database file exists."""
    if not os.path.exists(db_path):
        return {}
    with read_session(db_path, wait_seconds=wait_seconds) as con:
        return source_store.load_source_states(con, watch.name)


@dataclass(frozen=True)
class LinkSelection:
    """The links a run fetches, and per source how many of its links were new (its sign of
    life, for source health), both from one look-up of the stored links."""

    links: list[CandidateLink]
    new_by_source: dict[str, int]
    # Sources with new links left for a later run (`max_pages_per_run`): their validators
    # are not kept, or an unchanged feed would hide what is left (core/stages.py).
    unfinished_sources: frozenset[str] = frozenset()


def select_new_links(
    results: Sequence[SourceResult],
    db_path: str,
    limit: int,
    watch: Watch | None = None,
    now: datetime | None = None,
) -> LinkSelection:
    """Links not stored yet, one per canonical URL: the newest `limit`, oldest first.

    With `watch`, stored pages to read again follow them (core/versions.py): those their
    source now dates after our last read, and those whose re-check is due at `now`.
    """
    seen: dict[str, CandidateLink] = {}
    for result in results:
        for link in result.links:
            seen.setdefault(link.canonical_url, link)
    with read_session(db_path) as con:
        known = article_store.known_link_urls(con, seen.keys())
        again = (
            versions.links_to_read_again(
                con, watch, {u: seen[u] for u in known}, now or datetime.now(UTC)
            )
            if watch is not None
            else []
        )
    fresh = [link for url, link in seen.items() if url not in known]
    oldest = datetime.min.replace(tzinfo=UTC)
    # Undated links sort as newest: a feed that omits dates is usually showing today's news.
    fresh.sort(key=lambda lk: (lk.published_at is None, lk.published_at or oldest), reverse=True)
    chosen = list(reversed(fresh[:limit]))
    taken = {link.canonical_url for link in chosen}
    return LinkSelection(
        links=chosen + [link for link in again if link.canonical_url not in taken],
        new_by_source=new_links_by_source(results, known),
        unfinished_sources=frozenset(link.source for link in fresh[limit:]),
    )


def page_fetcher(watch: Watch) -> PageFetcher:
    """What fetches the run's batches: one HTTP client, robots.txt cache and politeness."""
    return PageFetcher(watch.fetch, user_agent_for(watch))


def fetch_batch(
    fetcher: PageFetcher, links: Sequence[CandidateLink], clock: Clock | None = None
) -> list[FetchedPage]:
    """Fetch one batch of pages politely; no database access, so it may run on any thread.

    Fetch times are put on the run's clock, so a replayed run (`--as-of`) stores its own time.
    """
    pages = fetcher.fetch(links)
    if not isinstance(clock, RunClock) or not clock.replaying:
        return pages
    return [replace(p, fetched_at=clock.restamp(p.fetched_at) or clock.now()) for p in pages]


def record_fetches(pages: Sequence[FetchedPage], run: RunContext) -> None:
    """Record every fetch outcome in `fetches` (in the writer process)."""
    with run.transaction() as con:
        now = run.clock()
        source_store.save_fetches(con, run.run_id, pages, now=now)
        if run.watch.archive.keep_raw_pages:
            page_store.save_raw_pages(con, pages, {}, run.watch.name, now)
        versions.note_fetches(con, run.watch, pages, now)
    fault_point("after-fetch")


def save_source_results(
    results: Sequence[SourceResult],
    run: RunContext,
    new_by_source: Mapping[str, int],
    unfinished_sources: frozenset[str] = frozenset(),
    sources_to_retry: frozenset[str] = frozenset(),
) -> int:
    """Store each source's validators and health, once the run's pages are stored; judge
    the sources and queue an ops notice per change of state (alerting runs only: a
    backfill announces nothing, the next run will). Returns the notices queued.

    A source in `unfinished_sources` (new links left for a later run) keeps no
    validators: the next run reads it in full again, even unchanged, and takes the links
    left. One in `sources_to_retry` (a page failed, a Google link was not resolved)
    keeps its ETag and Last-Modified, as it always did (a server that answers 304 is
    trusted), but not its body hash: a feed without validators is read again and the
    failed links retried, as before the hash existed."""
    watch = run.watch
    now = run.clock()
    results = [_validators_to_keep(r, unfinished_sources, sources_to_retry) for r in results]
    with write_session(run.db_path) as con:
        source_store.save_source_results(
            con, watch.name, results, {s.key: s.kind for s in watch.sources}, now
        )
        if not run.alerts_enabled:
            return 0
        return announce_source_health(
            con, watch, run.run_id, now, new_by_source, ops_channel_names(watch, os.environ)
        )


def _validators_to_keep(
    result: SourceResult, unfinished: frozenset[str], to_retry: frozenset[str]
) -> SourceResult:
    if result.source in unfinished:
        return replace(result, etag=None, last_modified=None, body_sha256=None)
    if result.source in to_retry:
        return replace(result, body_sha256=None)
    return result


def save_google_resolutions(google: ResolvedResults, run: RunContext) -> None:
    """Cache what Google answered; record the links it did not resolve in `fetches`."""
    now = run.clock()
    with write_session(run.db_path) as con:
        google_store.save_resolutions(con, google.learned, now)
        source_store.save_fetches(con, run.run_id, google.unresolved, now=now)


def deliver_alerts(watch: Watch, db_path: str, clock: Clock) -> DeliveryCounts:
    """Send due outbox rows on every configured channel (and the ops channels)."""
    # Runs of one watch are serialised by the run lock, so a claim need not outlive the
    # run that made it: after a crash the next run re-sends at once (lease 0).
    report = deliver_due_alerts(
        db_path, delivery_channels(watch, os.environ), watch, clock(), lease=timedelta(0)
    )
    return DeliveryCounts(report.sent, report.failed)


def configured_channel_names() -> tuple[str, ...]:
    """The alert channels configured in the environment, by name."""
    return tuple(c.name for c in channels_from_env(os.environ))


def prune_archive(watch: Watch, db_path: str, clock: Clock) -> int:
    """Apply the kept pages' retention policy; returns how many pages were dropped."""
    archive = watch.archive
    if archive.raw_retention_days is None and archive.raw_max_mb is None:
        return 0
    with write_session(db_path) as con:
        return page_store.prune_raw_pages(
            con,
            clock(),
            keep_days=archive.raw_retention_days,
            keep_bytes=int(archive.raw_max_mb * 1e6) if archive.raw_max_mb else None,
        )
