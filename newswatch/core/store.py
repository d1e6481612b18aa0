"""The store stage: one transaction per batch, set-based.

Articles with copy detection (one candidate look-up for the whole batch, then decisions
in publication order against the stored rows and the batch's own earlier articles),
event resolution and queued alerts. A crash anywhere inside rolls the whole batch back.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

import duckdb

from newswatch.alerts.policy import alerts_for_changes
from newswatch.config import Watch
from newswatch.core import versions
from newswatch.core.types import BatchOutcome, ReadArticle, RunContext
from newswatch.domain import CopyMatch, Mention
from newswatch.extractors.clean_site import PageObservation, page_observation
from newswatch.extractors.copies import fingerprint_article
from newswatch.extractors.copy_batch import BatchCopyDetector
from newswatch.extractors.fingerprint import Fingerprint
from newswatch.extractors.keyword_watch import StoryItem, resolve_stories
from newswatch.extractors.resolution import BatchItem, resolve_events
from newswatch.faults import fault_point
from newswatch.storage import articles as article_store
from newswatch.storage import boilerplate as site_boilerplate_store
from newswatch.storage import copies as copy_store
from newswatch.storage import events as event_store
from newswatch.storage import outbox
from newswatch.storage import pages as page_store
from newswatch.storage.feedback import reapply_feedback, suppressed_event_ids


@dataclass
class StoredBatch:
    """The copy verdict of every article inserted, and the stored articles re-pointed."""

    matches: dict[str, CopyMatch] = field(default_factory=dict)
    repointed: set[str] = field(default_factory=set)
    # Each inserted article's copy link at the end of the batch (after later re-pointing).
    duplicate_of: dict[str, str | None] = field(default_factory=dict)


def _fingerprint(read: ReadArticle) -> Fingerprint:
    # Computed on the cleaning worker when it could be; here otherwise.
    return read.fingerprint or fingerprint_article(read.article)


def _site_observation(read: ReadArticle) -> PageObservation | None:
    # Made on the cleaning worker when it could be; here otherwise.
    return read.site_observation or page_observation(read.article.url, read.article.text)


def store_with_copy_detection(
    con: duckdb.DuckDBPyConnection, items: Sequence[ReadArticle], *, run_id: str
) -> StoredBatch:
    """Insert the items not yet stored, in the order given, with their copy links."""
    out = StoredBatch()
    stored = article_store.stored_article_ids(con, (r.article.article_id for r in items))
    fresh: dict[str, ReadArticle] = {}
    for read in items:
        # A URL twice in one batch is stored once, the first time.
        if read.article.article_id not in stored:
            fresh.setdefault(read.article.article_id, read)
    if not fresh:
        return out
    probes = [
        copy_store.CopyProbe(
            r.article.article_id,
            r.article.canonical_url,
            r.article.declared_canonical_url,
            _fingerprint(r),
        )
        for r in fresh.values()
    ]
    found = copy_store.find_batch_copy_candidates(con, probes)
    detector = BatchCopyDetector(found.direct, found.rows.values())
    for read, probe in zip(fresh.values(), probes, strict=True):
        fp = probe.fingerprint
        assert isinstance(fp, Fingerprint)
        detector.decide(read.article, fp)
    state = detector.state
    rows = []
    for read, probe in zip(fresh.values(), probes, strict=True):
        final = detector.final_match(read.article.article_id)
        rows.append(
            article_store.NewArticleRow(
                read.article,
                final,
                probe.fingerprint.content_hash,
                bool(read.candidates),
                read.final_url,
                run_id,
                read.link_url,
            )
        )
        out.duplicate_of[read.article.article_id] = final.duplicate_of
    article_store.insert_articles(con, rows)
    copy_store.insert_fingerprints(con, probes)
    copy_store.set_duplicate_of(
        con, [detector.final_match(article_id) for article_id in sorted(state.repointed_stored)]
    )
    out.matches = dict(state.decisions)
    out.repointed = set(state.repointed)
    return out


def store_batch(read: Sequence[ReadArticle], run: RunContext) -> BatchOutcome:
    """One transaction: articles with copy detection, event resolution, queued alerts."""
    watch = run.watch
    now = run.clock()
    outcome = BatchOutcome()
    ordered = sorted(
        read,
        key=lambda r: (
            r.article.published_at is None,
            r.article.published_at or now,
            r.article.canonical_url,
        ),
    )
    with run.transaction() as con:
        stored = store_with_copy_detection(con, ordered, run_id=run.run_id)
        outcome.articles_stored = len(stored.matches)
        outcome.copies_found = sum(1 for m in stored.matches.values() if m.duplicate_of)
        fresh = [r for r in ordered if r.article.article_id in stored.matches]
        outcome.articles_relevant = sum(1 for r in fresh if r.candidates)
        site_boilerplate_store.save_observations(con, [_site_observation(r) for r in fresh], now)
        fault_point("inside-store")
        # Pages read again: a changed text is a new version whose events are derived again.
        again = [r for r in ordered if r.article.article_id not in stored.matches]
        changed = versions.store_versions(con, again, watch, now) if again else []
        outcome.versions_stored = len(changed)
        copy_of = dict(stored.duplicate_of)
        if changed:
            copy_of.update(
                article_store.duplicate_of_map(con, [r.article.article_id for r in changed])
            )
        reading = [*fresh, *changed]
        if watch.archive.keep_raw_pages and reading:
            page_store.link_raw_pages(
                con,
                [(r.link_url or r.article.canonical_url, r.article.article_id) for r in reading],
            )
        batch = [
            (
                r.article,
                r.article.article_id,
                copy_of.get(r.article.article_id) is not None,
                r.candidates,
            )
            for r in reading
            if r.candidates
        ]
        if batch or stored.repointed:
            _store_events(con, watch, run, now, batch, reading, copy_of, stored, outcome)
        fault_point("before-store-commit")
    fault_point("after-store-commit")
    return outcome


def _store_events(
    con: duckdb.DuckDBPyConnection,
    watch: Watch,
    run: RunContext,
    now: datetime,
    batch: Sequence[BatchItem],
    fresh: Sequence[ReadArticle],
    copy_of: Mapping[str, str | None],
    stored: StoredBatch,
    outcome: BatchOutcome,
) -> None:
    """Resolve the batch's candidate events against the stored ones and queue alerts."""
    existing = event_store.load_events(con, watch.name)
    if watch.is_keyword_watch:
        stories = [
            StoryItem(a, article_id, copy_of.get(article_id), tuple(cands))
            for a, article_id, _c, cands in batch
        ]
        result = resolve_stories(stories, (e.event_id for e in existing), watch.name, now)
    else:
        result = resolve_events(batch, existing, watch, now)
    outcome.mentions_added = event_store.save_resolution(
        con,
        watch.name,
        result,
        run_id=run.run_id,
        now=now,
        repointed_articles=stored.repointed,
        extractor=extractor_name(watch),
    )
    # Users' verdicts hold: corrections are re-applied, and retracted or merged events
    # never alert again.
    reapply_feedback(con, now)
    silenced = suppressed_event_ids(con, [c.event.event_id for c in result.changes])
    result = replace(
        result, changes=tuple(c for c in result.changes if c.event.event_id not in silenced)
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
        alerts_enabled=run.alerts_enabled,
        first_run=run.first_run,
        published_by_event=first_report_in_batch(result.mentions, fresh),
        previous_sources_by_event={e.event_id: e.independent_sources for e in existing},
        now=now,
        first_reported_by_event=event_store.first_reported_at(
            con, [c.event.event_id for c in changes]
        ),
        latest_report_by_event=latest_report_in_batch(result.mentions, fresh),
    )
    outcome.alerts_queued = outbox.queue_alerts(con, intents, run.channel_names, run.run_id, now)


def latest_report_in_batch(
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


def extractor_name(watch: Watch) -> str:
    """Which extractor made a watch's events, recorded for per-extractor precision."""
    return "keyword" if watch.events is None else watch.events.extractor


def first_report_in_batch(
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
