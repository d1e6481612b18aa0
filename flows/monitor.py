"""The monitor flow: one pass of a watch from its sources to alerts.

Orchestration only: each task calls stage functions (sources, extractors, storage,
alerts) over a whole batch, because a Prefect task run costs milliseconds and an
article costs less. The database is written in short transactions, one per batch, so a
crash leaves it consistent and `newswatch query` gets in between batches.
"""

from __future__ import annotations

import os
import time
import uuid
from collections import deque
from collections.abc import Iterator, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.context import get_run_context
from prefect.futures import PrefectFuture
from prefect.task_runners import TaskRunner

from newswatch.alerts.channels import channels_from_env
from newswatch.alerts.policy import alerts_for_changes
from newswatch.clock import RunClock
from newswatch.config import Watch, load_watch
from newswatch.domain import (
    Article,
    CandidateEvent,
    CandidateLink,
    FetchedPage,
    Mention,
    RunCounts,
    SourceResult,
)
from newswatch.extractors.clean import clean_page
from newswatch.extractors.events import EventExtractor, extractor_for
from newswatch.extractors.resolution import resolve_events
from newswatch.faults import fault_point
from newswatch.flows.copies import store_with_copy_detection
from newswatch.flows.delivery import deliver_due_alerts
from newswatch.flows.google_links import resolve_google_links
from newswatch.flows.runners import chunks_ahead, default_task_runner, task_runner_for
from newswatch.flows.source_ops import (
    announce_source_health,
    delivery_channels,
    new_links_by_source,
    ops_channel_names,
)
from newswatch.progress import stage_progress
from newswatch.report import RunSummary, render_run_markdown, run_table_rows
from newswatch.sources.fetch import fetch_pages, user_agent_for
from newswatch.sources.poll import poll_sources
from newswatch.storage import articles as article_store
from newswatch.storage import events as event_store
from newswatch.storage import google_links as google_store
from newswatch.storage import outbox, runs
from newswatch.storage import sources as source_store
from newswatch.storage.db import ensure_schema, read_session, write_session
from newswatch.storage.locks import RunInProgressError, watch_run_lock


@dataclass(frozen=True)
class ReadArticle:
    """A fetched page after cleaning and extraction: what the store task needs."""

    article: Article
    final_url: str | None
    candidates: tuple[CandidateEvent, ...]
    link_url: str | None = None


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
    new_event_summaries: list[str] = field(default_factory=list)


# Every task reads or writes the outside world, so none may be cached; and Prefect's
# default policy hashes each task's inputs (whole batches of pages) on every call,
# which cost a fifth of a run's CPU (bench/bench_runners.py).
@task(name="discover-links", cache_policy=NO_CACHE)
def discover_links(watch: Watch, db_path: str) -> list[SourceResult]:
    """Poll every source with its conditional-GET validators; failures become results."""
    with read_session(db_path) as con:
        states = source_store.load_source_states(con, watch.name)
    return poll_sources(watch, states)


@task(name="select-new-links", cache_policy=NO_CACHE)
def select_new_links(
    results: Sequence[SourceResult], db_path: str, limit: int
) -> list[CandidateLink]:
    """Links not stored yet, one per canonical URL: the newest `limit`, oldest first."""
    seen: dict[str, CandidateLink] = {}
    for result in results:
        for link in result.links:
            seen.setdefault(link.canonical_url, link)
    with read_session(db_path) as con:
        known = article_store.known_link_urls(con, seen.keys())
    fresh = [link for url, link in seen.items() if url not in known]
    oldest = datetime.min.replace(tzinfo=UTC)
    # Undated links sort as newest: a feed that omits dates is usually showing today's news.
    fresh.sort(key=lambda lk: (lk.published_at is None, lk.published_at or oldest), reverse=True)
    return list(reversed(fresh[:limit]))


@task(name="fetch-pages", cache_policy=NO_CACHE)
def fetch_batch(
    links: Sequence[CandidateLink], watch: Watch, clock: RunClock | None = None
) -> list[FetchedPage]:
    """Fetch one batch of pages politely; no database access, so it may run on any worker.

    Fetch times are put on the run's clock, so a replayed run stores its own time."""
    pages = fetch_pages(links, watch.fetch, user_agent_for(watch))
    if clock is None or not clock.replaying:
        return pages
    return [replace(p, fetched_at=clock.restamp(p.fetched_at) or clock.now()) for p in pages]


def _record_fetches(
    pages: Sequence[FetchedPage], db_path: str, run_id: str, clock: RunClock | None = None
) -> None:
    """Record every fetch outcome in `fetches`, in the flow process (the one writer)."""
    with write_session(db_path) as con:
        source_store.save_fetches(con, run_id, pages, now=(clock or RunClock.wall()).now())
    fault_point("after-fetch")


@task(name="clean-and-extract", cache_policy=NO_CACHE)
def clean_and_extract(pages: Sequence[FetchedPage], watch: Watch) -> list[ReadArticle]:
    """Clean each fetched page and extract candidate events (CPU work; an LLM extractor calls out)."""
    extractor = extractor_for(watch)
    out: list[ReadArticle] = []
    readable = [p for p in pages if p.status == "ok" and p.html is not None]
    with stage_progress("clean", len(readable)) as advance:
        for page in readable:
            out.append(_read_page(page, watch, extractor))
            advance()
    return out


def _read_page(page: FetchedPage, watch: Watch, extractor: EventExtractor) -> ReadArticle:
    """Clean one page and extract its candidate events."""
    assert page.html is not None
    article = clean_page(
        page.html,
        page.final_url or page.link.url,
        dict(page.headers),
        source=page.link.source,
        fetched_at=page.fetched_at,
        hint=page.link,
    )
    found = extractor.extract(article, watch) if article.page_kind == "article" else []
    return ReadArticle(article, page.final_url, tuple(found), page.link.canonical_url)


@task(name="store-batch", cache_policy=NO_CACHE)
def store_batch(
    read: Sequence[ReadArticle],
    watch: Watch,
    db_path: str,
    run_id: str,
    *,
    alerts_enabled: bool,
    first_run: bool,
    channel_names: Sequence[str],
    clock: RunClock | None = None,
) -> BatchOutcome:
    """One transaction: articles with copy detection, event resolution, queued alerts."""
    now = (clock or RunClock.wall()).now()
    outcome = BatchOutcome()
    ordered = sorted(
        read,
        key=lambda r: (
            r.article.published_at is None,
            r.article.published_at or now,
            r.article.canonical_url,
        ),
    )
    with write_session(db_path) as con:
        stored = store_with_copy_detection(
            con,
            [(r.article, r.final_url, bool(r.candidates), r.link_url) for r in ordered],
            run_id=run_id,
        )
        outcome.articles_stored = len(stored.matches)
        outcome.copies_found = sum(1 for m in stored.matches.values() if m.duplicate_of)
        fresh = [r for r in ordered if r.article.article_id in stored.matches]
        outcome.articles_relevant = sum(1 for r in fresh if r.candidates)
        fault_point("inside-store")
        copy_of = article_store.duplicate_of_map(con, [r.article.article_id for r in fresh])
        batch = [
            (
                r.article,
                r.article.article_id,
                copy_of.get(r.article.article_id) is not None,
                r.candidates,
            )
            for r in fresh
            if r.candidates
        ]
        existing = event_store.load_events(con, watch.name)
        result = resolve_events(batch, existing, watch, now)
        outcome.mentions_added = event_store.save_resolution(
            con, watch.name, result, run_id=run_id, now=now, repointed_articles=stored.repointed
        )
        changes = event_store.with_current_counts(con, result.changes)
        outcome.events_new = sum(1 for c in changes if c.is_new)
        outcome.events_updated = sum(1 for c in changes if not c.is_new)
        outcome.new_event_summaries = [
            c.event.summary or c.event.event_type
            for c in changes
            if c.is_new and not c.event.historical
        ]
        intents = alerts_for_changes(
            changes,
            watch.alerts,
            watch.alert_kinds,
            alerts_enabled=alerts_enabled,
            first_run=first_run,
            published_by_event=_first_report_in_batch(result.mentions, fresh),
            previous_sources_by_event={e.event_id: e.independent_sources for e in existing},
            now=now,
            first_reported_by_event=event_store.first_reported_at(
                con, [c.event.event_id for c in changes]
            ),
            latest_report_by_event=_latest_report_in_batch(result.mentions, fresh),
        )
        outcome.alerts_queued = outbox.queue_alerts(con, intents, channel_names, run_id, now)
        fault_point("before-store-commit")
    fault_point("after-store-commit")
    return outcome


def _first_report_in_batch(
    mentions: Sequence[Mention], read: Sequence[ReadArticle]
) -> dict[str, datetime | None]:
    """Per event, the publication time of the earliest article of this batch that mentions it.

    The earliest, because a contact is news when it was first reported close to when it
    happened; later articles naming it in passing do not make it history.
    """
    published = {r.article.article_id: r.article.published_at for r in read}
    earliest: dict[str, datetime | None] = {}
    for m in mentions:
        when = published.get(m.article_id)
        current = earliest.get(m.event_id)
        if when is not None and (current is None or when < current):
            earliest[m.event_id] = when
        else:
            earliest.setdefault(m.event_id, current)
    return earliest


def _latest_report_in_batch(
    mentions: Sequence[Mention], read: Sequence[ReadArticle]
) -> dict[str, datetime | None]:
    """Per event, the publication time of the newest article of this batch that mentions it
    (None when one of them is undated: an undated report is taken as today's)."""
    published = {r.article.article_id: r.article.published_at for r in read}
    latest: dict[str, datetime | None] = {}
    undated: set[str] = set()
    for m in mentions:
        when = published.get(m.article_id)
        if when is None:
            undated.add(m.event_id)
            continue
        current = latest.get(m.event_id)
        if current is None or when > current:
            latest[m.event_id] = when
    return {**latest, **dict.fromkeys(undated)}


@task(name="deliver-alerts", cache_policy=NO_CACHE)
def deliver_alerts(watch: Watch, db_path: str, clock: RunClock) -> tuple[int, int]:
    """Send due outbox rows on every configured channel; returns (sent, failed)."""
    # Runs of one watch are serialised by the run lock, so a claim need not outlive the
    # run that made it: after a crash the next run re-sends at once (lease 0).
    report = deliver_due_alerts(
        db_path, delivery_channels(watch, os.environ), watch, clock.now(), lease=timedelta(0)
    )
    return report.sent, report.failed


def _chunks(items: Sequence[CandidateLink], size: int) -> list[Sequence[CandidateLink]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def _read_ahead(
    runner: TaskRunner[Any],
    chunks: Sequence[Sequence[CandidateLink]],
    watch: Watch,
    clock: RunClock,
) -> Iterator[tuple[PrefectFuture[list[FetchedPage]], PrefectFuture[list[ReadArticle]]]]:
    """Submit fetch and clean tasks a few chunks ahead; yield their futures in chunk order.

    Fetches run one after another (each waits for the previous), so per-host politeness
    holds across chunks; cleaning fans out over the runner's workers.
    """
    in_flight: deque[tuple[PrefectFuture[list[FetchedPage]], PrefectFuture[list[ReadArticle]]]]
    in_flight = deque()
    previous: PrefectFuture[list[FetchedPage]] | None = None
    for chunk in chunks:
        fetched = runner.submit(
            fetch_batch,
            {"links": chunk, "watch": watch, "clock": clock},
            wait_for=[previous] if previous else None,
        )
        cleaned = runner.submit(clean_and_extract, {"pages": fetched, "watch": watch})
        in_flight.append((fetched, cleaned))
        previous = fetched
        if len(in_flight) > chunks_ahead(watch.runtime):
            yield in_flight.popleft()
    while in_flight:
        yield in_flight.popleft()


def _flow_run_id() -> str | None:
    try:
        ctx = get_run_context()
    except Exception:  # outside a flow run (direct call in tests)
        return None
    flow_run = getattr(ctx, "flow_run", None)
    return str(flow_run.id) if flow_run else None


@flow(
    name="newswatch-monitor",
    log_prints=False,
    validate_parameters=False,
    task_runner=default_task_runner(),
)
def monitor(
    watch_path: str, db_path: str, alerts_enabled: bool = True, as_of: str | None = None
) -> RunSummary:
    """One monitoring pass of the watch in `watch_path`, stored in the DuckDB file `db_path`.

    `as_of` (ISO time) sets the run's clock for a backtest; the wall clock by default.
    """
    logger = get_run_logger()
    watch = load_watch(watch_path)
    clock = RunClock.as_of(as_of)
    ensure_schema(db_path)
    started = time.monotonic()
    run_id = f"{clock.now():%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:8]}"
    counts = RunCounts()
    new_events: list[str] = []
    with ExitStack() as held:
        try:
            held.enter_context(watch_run_lock(db_path, watch.name, logger=logger))
        except RunInProgressError as exc:
            # An expected outcome on a schedule, not a failure: one line, no traceback,
            # no run row; the caller (CLI) turns it into exit code 3.
            logger.warning("skipped: %s", exc)
            return RunSummary(
                run_id=run_id, watch=watch.name, db_path=db_path, counts=counts, skipped=str(exc)
            )
        now = clock.now()
        all_failed = False
        with write_session(db_path) as con:
            abandoned = runs.mark_abandoned_runs(con, watch.name, now)
            first_run = not runs.has_completed_run(con, watch.name, before_run=run_id)
            runs.start_run(
                con,
                run_id=run_id,
                watch=watch.name,
                started_at=now,
                alerts_enabled=alerts_enabled,
                flow_run_id=_flow_run_id(),
            )
        if abandoned:
            logger.warning(
                "%d earlier run(s) of %s did not finish; their work is redone",
                abandoned,
                watch.name,
            )
        try:
            fault_point("after-run-start")
            results = discover_links(watch, db_path)
            fault_point("after-discover")
            counts.sources_ok = sum(1 for r in results if r.status != "failed")
            counts.sources_failed = sum(1 for r in results if r.status == "failed")
            counts.failing_sources = [
                f"{r.source}: {r.error}" for r in results if r.status == "failed"
            ]
            for failure in counts.failing_sources:
                logger.warning("source failed: %s", failure)
            # Nothing was read: the run must not count as the watch's (silent) first run.
            all_failed = counts.sources_ok == 0
            counts.links_found = sum(len(r.links) for r in results)
            google = resolve_google_links(results, watch, db_path, clock.now())
            results = google.results
            counts.links_unresolved = len(google.unresolved)
            if google.learned or google.unresolved:
                with write_session(db_path) as con:
                    google_store.save_resolutions(con, google.learned, clock.now())
                    source_store.save_fetches(con, run_id, google.unresolved, now=clock.now())
            with read_session(db_path) as con:
                known = article_store.known_link_urls(
                    con, (link.canonical_url for r in results for link in r.links)
                )
            new_by_source = new_links_by_source(results, known)
            links = select_new_links(results, db_path, watch.fetch.max_pages_per_run)
            counts.links_new = len(links)
            channel_names = [c.name for c in channels_from_env(os.environ)]
            chunks = _chunks(links, watch.runtime.batch_size)
            # Fetch and clean may run on other workers; storing stays here, in chunk order.
            with task_runner_for(watch.runtime) as runner:
                for fetched, cleaned in _read_ahead(runner, chunks, watch, clock):
                    pages = fetched.result()
                    _record_fetches(pages, db_path, run_id, clock)
                    counts.pages_fetched += sum(1 for p in pages if p.status == "ok")
                    counts.pages_failed += sum(1 for p in pages if p.status == "failed")
                    counts.pages_skipped += sum(1 for p in pages if p.status == "skipped")
                    outcome = store_batch(
                        cleaned.result(),
                        watch,
                        db_path,
                        run_id,
                        alerts_enabled=alerts_enabled,
                        first_run=first_run,
                        channel_names=channel_names,
                        clock=clock,
                    )
                    counts.articles_stored += outcome.articles_stored
                    counts.articles_relevant += outcome.articles_relevant
                    counts.copies_found += outcome.copies_found
                    counts.events_new += outcome.events_new
                    counts.events_updated += outcome.events_updated
                    counts.mentions_added += outcome.mentions_added
                    counts.alerts_queued += outcome.alerts_queued
                    new_events.extend(outcome.new_event_summaries)
            # Validators only now: a crash before this point must not hide links behind a 304.
            fault_point("before-source-save")
            with write_session(db_path) as con:
                source_store.save_source_results(
                    con,
                    watch.name,
                    results,
                    {s.key: s.kind for s in watch.sources},
                    clock.now(),
                )
                if alerts_enabled:  # a backfill announces nothing; the next run will
                    counts.alerts_queued += announce_source_health(
                        con,
                        watch,
                        run_id,
                        clock.now(),
                        new_by_source,
                        ops_channel_names(watch, os.environ),
                    )
            fault_point("after-source-save")
            if alerts_enabled:
                counts.alerts_sent, counts.alerts_failed = deliver_alerts(watch, db_path, clock)
            fault_point("before-run-finish")
        except Exception as exc:
            with write_session(db_path) as con:
                runs.finish_run(
                    con,
                    run_id=run_id,
                    finished_at=clock.now(),
                    status="failed",
                    counts=counts,
                    error=f"{type(exc).__name__}: {exc}",
                )
            raise
        with write_session(db_path) as con:
            runs.finish_run(
                con,
                run_id=run_id,
                finished_at=clock.now(),
                status="failed" if all_failed else "completed",
                counts=counts,
                error=f"every source failed ({counts.sources_failed})" if all_failed else None,
            )
    summary = RunSummary(
        run_id=run_id,
        watch=watch.name,
        db_path=str(Path(db_path)),
        counts=counts,
        new_events=new_events,
        seconds=time.monotonic() - started,
        alerts_enabled=alerts_enabled,
        all_sources_failed=all_failed,
        as_of=clock.iso() if clock.replaying else None,
    )
    _publish_artifacts(summary)
    logger.info(
        "run %s: %d new links, %d articles stored, %d new events, %d alerts sent",
        run_id,
        counts.links_new,
        counts.articles_stored,
        counts.events_new,
        counts.alerts_sent,
    )
    return summary


def _publish_artifacts(summary: RunSummary) -> None:
    key = f"newswatch-{summary.watch.lower().replace('_', '-').replace('.', '-')}"
    create_markdown_artifact(
        markdown=render_run_markdown(summary), key=key, description="newswatch run summary"
    )
    create_table_artifact(
        table=run_table_rows(summary), key=f"{key}-counts", description="newswatch run counts"
    )
