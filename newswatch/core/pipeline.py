"""`run_watch`: one monitoring pass of a watch, from its sources to alerts, without Prefect.

The Prefect flow (flows/monitor.py), the CLI, the tests and the benches all run this.
Stages are plain functions (core/stages.py, core/store.py); each is called through a
`StageRunner`, which by default just calls it and which the flow fills with Prefect task
wrappers (retries, observability) — never with logic.

Throughput: pages are fetched in chunks on one background thread (one chunk at a time,
so per-host politeness holds across chunks), cleaned on worker processes
(core/workers.py), and stored here, in chunk order, one transaction per chunk — the run's
process is the database's one writer. Fetching, cleaning and storing overlap. The three
are one stage ("fetch-clean-store"), not two per chunk: with a task per chunk a
5,000-page flow run took 6.8 s longer than the core alone (bench/bench_throughput.py).
"""

from __future__ import annotations

import concurrent.futures
import logging
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any, Protocol, TypeVar

from newswatch.clock import RunClock
from newswatch.config import Watch
from newswatch.core import stages
from newswatch.core.collector import collected_between_chunks, frozen_before_run
from newswatch.core.google_links import resolve_google_links
from newswatch.core.prefetch import DiscoveryPrefetch, start_prefetch, take_prefetch
from newswatch.core.types import Clock, ProcessedLinks, ReadArticle, RunContext, wall_clock
from newswatch.core.workers import clean_executor, clean_jobs_ahead
from newswatch.domain import CandidateLink, FetchedPage, RunCounts, SourceResult
from newswatch.extractors.clean_site import host_of
from newswatch.extractors.language import load_model_in_background
from newswatch.faults import fault_point
from newswatch.report import RunSummary
from newswatch.sources.fetch import PageFetcher
from newswatch.sources.poll import poll_sources
from newswatch.storage import boilerplate as site_boilerplate_store
from newswatch.storage import runs
from newswatch.storage.db import (
    WRITER_HOLD_SECONDS,
    DatabaseBusyError,
    HeldWriter,
    ensure_schema,
    read_session,
    write_session,
)
from newswatch.storage.locks import RunInProgressError, watch_run_lock
from newswatch.storage.read_copy import ReadCopyError, publish_read_copy

R = TypeVar("R")

_log = logging.getLogger("newswatch.run")

# New source content (bytes, all sources of a run) from which the language model starts
# loading during discovery: feedparser reads ~1 MB a second here (the bench's 717 KB,
# 5,000-item feed in 0.66 s), so 256 KiB parse in about the time a third of the model
# takes to load. A typical 50-item feed is 20-60 KB.
MODEL_PRELOAD_MIN_BYTES = 256 * 1024


class StageRunner(Protocol):
    """Calls one stage: `runner("discover-links", discover_links, watch, db)`."""

    def __call__(self, stage: str, fn: Callable[..., R], /, *args: Any, **kwargs: Any) -> R: ...


def call_stage(stage: str, fn: Callable[..., R], /, *args: Any, **kwargs: Any) -> R:
    """The plain stage runner: call the stage function, nothing else."""
    return fn(*args, **kwargs)


def new_run_id(clock: Clock) -> str:
    """A sortable, unique run id: the run's start time and a random suffix."""
    return f"{clock():%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:8]}"


def run_watch(
    watch: Watch,
    db_path: str | Path,
    *,
    alerts_enabled: bool = True,
    clock: Clock = wall_clock,
    run_stage: StageRunner = call_stage,
    logger: logging.Logger | logging.LoggerAdapter[logging.Logger] | None = None,
    flow_run_id: str | None = None,
) -> RunSummary:
    """One monitoring pass of `watch`, stored in the DuckDB file `db_path`.

    `clock` is the run's one "now" (the wall clock unless a backtest sets it).
    Another run of the same watch holding the lock gives a summary with `skipped` set.
    """
    log = logger or _log
    db = str(Path(db_path))
    # Taken first, so a run that is skipped drops it too: none is left for a later run.
    prefetched = take_prefetch(watch, db)
    started = time.monotonic()
    run_id = new_run_id(clock)
    counts = RunCounts()
    try:
        ensure_schema(db)
    except DatabaseBusyError as exc:
        # A program reading the database file itself holds it: one line, no traceback;
        # nothing was done, so the next run stores everything.
        log.error("skipped: %s", exc)
        return RunSummary(
            run_id=run_id, watch=watch.name, db_path=db, counts=counts, skipped=str(exc)
        )
    new_events: list[str] = []
    with ExitStack() as held:
        try:
            held.enter_context(watch_run_lock(db, watch.name, logger=log))
        except RunInProgressError as exc:
            # An expected outcome on a schedule, not a failure: one line, no traceback,
            # no run row; the caller (CLI) turns it into exit code 3.
            log.warning("skipped: %s", exc)
            return RunSummary(
                run_id=run_id, watch=watch.name, db_path=db, counts=counts, skipped=str(exc)
            )
        held.enter_context(frozen_before_run())
        now = clock()
        with write_session(db) as con:
            abandoned = runs.mark_abandoned_runs(con, watch.name, now)
            first_run = not runs.has_completed_run(con, watch.name, before_run=run_id)
            runs.start_run(
                con,
                run_id=run_id,
                watch=watch.name,
                started_at=now,
                alerts_enabled=alerts_enabled,
                flow_run_id=flow_run_id,
            )
        if abandoned:
            log.warning(
                "%d earlier run(s) of %s did not finish; their work is redone",
                abandoned,
                watch.name,
            )
        run = RunContext(
            watch=watch,
            db_path=db,
            run_id=run_id,
            clock=clock,
            alerts_enabled=alerts_enabled,
            first_run=first_run,
            channel_names=stages.configured_channel_names(),
        )
        try:
            _run_stages(run, run_stage, counts, new_events, log, prefetched)
        except Exception as exc:
            with write_session(db) as con:
                runs.finish_run(
                    con,
                    run_id=run_id,
                    finished_at=clock(),
                    status="failed",
                    counts=counts,
                    error=f"{type(exc).__name__}: {exc}",
                )
            _refresh_read_copy(db, log)
            raise
        # Nothing was read: the run must not count as the watch's (silent) first run.
        all_failed = bool(watch.sources) and counts.sources_ok == 0
        with write_session(db) as con:
            runs.finish_run(
                con,
                run_id=run_id,
                finished_at=clock(),
                status="failed" if all_failed else "completed",
                counts=counts,
                error=f"every source failed ({counts.sources_failed})" if all_failed else None,
            )
        _refresh_read_copy(db, log)
    replaying = isinstance(clock, RunClock) and clock.replaying
    return RunSummary(
        run_id=run_id,
        watch=watch.name,
        db_path=db,
        counts=counts,
        new_events=new_events,
        seconds=time.monotonic() - started,
        alerts_enabled=alerts_enabled,
        all_sources_failed=all_failed,
        as_of=clock.iso() if isinstance(clock, RunClock) and replaying else None,
    )


def _refresh_read_copy(
    db: str, log: logging.Logger | logging.LoggerAdapter[logging.Logger]
) -> None:
    """Publish the copy readers open; a failure costs a warning, never the run."""
    try:
        publish_read_copy(db)
    except ReadCopyError as exc:
        log.warning("%s", exc)


def _run_stages(
    run: RunContext,
    run_stage: StageRunner,
    counts: RunCounts,
    new_events: list[str],
    log: logging.Logger | logging.LoggerAdapter[logging.Logger],
    prefetched: DiscoveryPrefetch | None = None,
) -> None:
    """Discover, fetch, clean, store, save source state, deliver: the body of a run."""
    watch, db = run.watch, run.db_path
    fault_point("after-run-start")
    results = run_stage(
        "discover-links",
        stages.discover_links,
        watch,
        db,
        on_new_content=ModelPreload(),
        prefetched=prefetched,
    )
    fault_point("after-discover")
    count_sources(counts, results)
    for failure in counts.failing_sources:
        log.warning("source failed: %s", failure)
    google = run_stage(
        "resolve-google-links", resolve_google_links, results, watch, db, run.clock()
    )
    results = google.results
    counts.links_unresolved = len(google.unresolved)
    if google.learned or google.unresolved:
        stages.save_google_resolutions(google, run)
    selection = run_stage(
        "select-new-links",
        stages.select_new_links,
        results,
        db,
        watch.fetch.max_pages_per_run,
        watch,
        run.clock(),
    )
    counts.links_new = len(selection.links)
    # Sources whose failed links are retried next run (stages.save_source_results).
    to_retry = {page.link.source for page in google.unresolved}
    if selection.links:
        processed = run_stage("fetch-clean-store", process_links, run, selection.links)
        add_processed(counts, new_events, processed)
        to_retry.update(processed.sources_with_failures)
    # Validators only now: a crash before this point must not hide links behind a 304.
    fault_point("before-source-save")
    counts.alerts_queued += run_stage(
        "save-sources",
        stages.save_source_results,
        results,
        run,
        selection.new_by_source,
        selection.unfinished_sources,
        frozenset(to_retry),
    )
    fault_point("after-source-save")
    run_stage("prune-archive", stages.prune_archive, watch, db, run.clock)
    if run.alerts_enabled:
        delivered = run_stage("deliver-alerts", stages.deliver_alerts, watch, db, run.clock)
        counts.alerts_sent, counts.alerts_failed = delivered.sent, delivered.failed
    fault_point("before-run-finish")


def prefetch_discovery(watch: Watch, db_path: str | Path) -> bool:
    """Start polling the watch's sources on a thread, for its next run in this process to
    take (core/prefetch.py); False, and nothing started, when the sources' validators
    cannot be read at once (the database busy, or not yet migrated).

    The validators are read here, in the caller's thread: the read-only connection is
    closed before the run opens the file for writing, which DuckDB refuses in one process
    while another connection of a different mode is open.
    """
    db = str(Path(db_path))
    try:
        states = stages.read_source_states(watch, db, wait_seconds=0)
    except Exception as exc:  # the run polls in its own stage, as without a prefetch
        _log.debug("no early polling of the sources: %s", exc)
        return False
    start_prefetch(watch, db, lambda: poll_sources(watch, states, on_new_content=ModelPreload()))
    return True


class ModelPreload:
    """Starts loading the language model once the sources' new content is big enough.

    Parsing big feeds takes long enough for the model (~0.6 s, mostly decompression, which
    lets go of the GIL) to load beside it, instead of after discovery; a run with that much
    new content most likely reads pages. Below the threshold parsing is too short for the
    overlap to matter, and a small feed re-stamped on every request (a new lastBuildDate,
    nothing else) does not make an idle run load a model it never uses.
    """

    def __init__(self, min_bytes: int = MODEL_PRELOAD_MIN_BYTES) -> None:
        self.min_bytes = min_bytes
        self.seen_bytes = 0

    def __call__(self, body_bytes: int) -> None:
        self.seen_bytes += body_bytes
        if self.seen_bytes >= self.min_bytes:
            load_model_in_background()


def count_sources(counts: RunCounts, results: Sequence[SourceResult]) -> None:
    """Source health and links found, into the run's counts."""
    counts.sources_ok = sum(1 for r in results if r.status != "failed")
    counts.sources_failed = sum(1 for r in results if r.status == "failed")
    counts.failing_sources = [f"{r.source}: {r.error}" for r in results if r.status == "failed"]
    counts.links_found = sum(len(r.links) for r in results)


def _chunks(items: Sequence[CandidateLink], size: int) -> list[Sequence[CandidateLink]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def _parts(pages: Sequence[FetchedPage], count: int) -> list[Sequence[FetchedPage]]:
    """`pages` in `count` runs of nearly equal length, in order (fewer if there are fewer pages)."""
    count = max(1, min(count, len(pages)))
    size, extra = divmod(len(pages), count)
    bounds = [i * size + min(i, extra) for i in range(count + 1)]
    return [pages[bounds[i] : bounds[i + 1]] for i in range(count)]


def process_links(run: RunContext, links: Sequence[CandidateLink]) -> ProcessedLinks:
    """Fetch, clean and store the links in chunks, the three stages overlapping.

    The fetch thread runs one chunk after another, a few ahead; each fetched chunk is
    recorded and handed to the cleaning workers; chunks are stored in order as their
    cleaning finishes, while later chunks are fetched and cleaned.
    """
    # Imported here: the cleaning stack costs seconds, and a run with nothing new never
    # needs it; imported before the workers fork, so they share it.
    from newswatch.core.reading import clean_and_extract, warm_up
    from newswatch.core.store import store_batch

    watch = run.watch
    processed = ProcessedLinks()
    chunks = _chunks(links, watch.runtime.batch_size)
    ahead = clean_jobs_ahead(watch.runtime)
    # What each host repeats on its pages (learned on earlier runs) is cut from its pages.
    with read_session(run.db_path) as con:
        site_boilerplate = site_boilerplate_store.load_repeated_paragraphs(
            con, [host_of(link.url) for link in links]
        )
    pages_of = stages.page_fetcher(watch)
    with (
        _fetch_thread(pages_of) as fetcher,
        clean_executor(watch, len(links), warm_up) as cleaner,
        HeldWriter(run.db_path) as writer,
        collected_between_chunks() as collect_garbage,
    ):
        run = replace(run, writer=writer)

        def fetch(chunk: Sequence[CandidateLink]) -> concurrent.futures.Future[list[FetchedPage]]:
            return fetcher.submit(stages.fetch_batch, pages_of, chunk, run.clock)

        fetching = deque(fetch(chunk) for chunk in chunks[: ahead + 1])
        waiting = deque(chunks[ahead + 1 :])
        # Each chunk's cleaning, in as many parts as there are workers: a chunk is ready
        # sooner (the first one at the start, the last one at the end, with every worker on it).
        cleaning: deque[list[concurrent.futures.Future[list[ReadArticle]]]] = deque()
        while fetching or cleaning:
            if fetching and len(cleaning) <= ahead:
                pages = _wait(fetching.popleft(), writer)
                if waiting:
                    fetching.append(fetch(waiting.popleft()))
                # Handed to the workers first, so they clean while the run records the fetches.
                cleaning.append(
                    [
                        cleaner.submit(clean_and_extract, part, watch, site_boilerplate)
                        for part in _parts(pages, ahead)  # `ahead` is the worker count
                    ]
                )
                stages.record_fetches(pages, run)
                processed.count_pages(pages)
                continue
            read = [article for part in cleaning.popleft() for article in _wait(part, writer)]
            processed.stored.add(store_batch(read, run))
            collect_garbage()
    return processed


@contextmanager
def _fetch_thread(pages_of: PageFetcher) -> Iterator[concurrent.futures.ThreadPoolExecutor]:
    """The run's one fetch thread. Every chunk goes through the one `pages_of` (its HTTP
    client, robots.txt rules and politeness), closed on this thread after the last fetch."""
    with concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="newswatch-fetch") as thread:
        try:
            yield thread
        finally:
            try:
                thread.submit(pages_of.close).result()
            except Exception as exc:  # everything fetched is stored: a close error loses nothing
                _log.warning("closing the run's HTTP client failed: %s", exc)


def _wait(future: concurrent.futures.Future[R], writer: HeldWriter) -> R:
    """The future's result; the database is let go while the run waits, now and then."""
    if not future.done():
        writer.release(held_for=WRITER_HOLD_SECONDS)
    return future.result()


def add_processed(counts: RunCounts, new_events: list[str], processed: ProcessedLinks) -> None:
    """What fetching, cleaning and storing the run's links did, into the run's counts."""
    counts.pages_fetched += processed.pages_fetched
    counts.pages_failed += processed.pages_failed
    counts.pages_skipped += processed.pages_skipped
    stored = processed.stored
    counts.articles_stored += stored.articles_stored
    counts.articles_relevant += stored.articles_relevant
    counts.copies_found += stored.copies_found
    counts.events_new += stored.events_new
    counts.events_updated += stored.events_updated
    counts.mentions_added += stored.mentions_added
    counts.alerts_queued += stored.alerts_queued
    new_events.extend(stored.new_event_summaries)
